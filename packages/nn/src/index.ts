export * from './layers';
export * from './initializers';
export * from './optimizers';
export * from './schedules';
export * from './losses';
export * from './training';
export * from './conv';
export * from './serialization';
