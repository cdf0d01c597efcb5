import { defineConfig } from 'vitest/config';
import { vitestOptions } from '../../vitest.shared.ts';

export default defineConfig(vitestOptions);
