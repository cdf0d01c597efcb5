import { defineConfig } from 'tsup';
import { tsupOptions } from '../../tsup.shared';

export default defineConfig(tsupOptions);
