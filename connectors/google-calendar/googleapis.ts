/**
 * The official client, loaded through its Calendar entry point: `import { google } from
 * 'googleapis'` would load the code of every Google API (about 0.8 s here) to use one.
 * This is the same generated client and auth library that `google.calendar()` returns.
 */
export { auth, calendar, calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
