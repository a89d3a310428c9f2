/** Names for the instances of ical.js's classes, which the library exports only as classes. */
import ICAL from 'ical.js';

export type IcalComponent = InstanceType<typeof ICAL.Component>;
export type IcalProperty = InstanceType<typeof ICAL.Property>;
export type IcalTime = InstanceType<typeof ICAL.Time>;
export type IcalRecur = InstanceType<typeof ICAL.Recur>;
