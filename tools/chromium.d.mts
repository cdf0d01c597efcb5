/** The executable: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export declare const CHROMIUM: string;
/** THEANO_TS_REQUIRE_BROWSER=1 (CI): a missing Chromium is a failure, not a skip. */
export declare const REQUIRE_BROWSER: boolean;
/** Whether the executable exists. */
export declare const HAVE_CHROMIUM: boolean;
/** Launch flags: headless, no sandbox (root in CI), no GPU process, no background traffic. */
export declare const CHROMIUM_ARGS: string[];
