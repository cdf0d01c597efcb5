import { defineConfig } from 'vitest/config';
import { vitestOptions } from '../../vitest.shared';

export default defineConfig(vitestOptions);
