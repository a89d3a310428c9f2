import ICAL from 'ical.js';
const props = ICAL.design.icalendar.property;
const saved = props.rrule;
const vtz = `BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:x\r\nRRULE:FREQ=NOPE\r\nDURATION:PXYZ\r\nSEQUENCE:abc\r\nDTSTART:garbage\r\nCREATED:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
props.rrule = { defaultType: 'unknown' };
let j; try { j = ICAL.parse(vtz); } finally { props.rrule = saved; }
const cal = new ICAL.Component(j);
const tzc = cal.getFirstSubcomponent('vtimezone');
for (const sub of tzc.getAllSubcomponents()) for (const p of sub.getAllProperties('rrule')) { const raw = p.getFirstValue(); console.log('raw', typeof raw, raw); p.setValue(ICAL.Recur.fromString(raw)); console.log(p.type, p.getFirstValue().constructor.name); }
const tz = new ICAL.Timezone(tzc);
console.log(tz.utcOffset(new ICAL.Time({year:2026,month:7,day:1,hour:12,minute:0,second:0})) / 3600);
const ev = cal.getFirstSubcomponent('vevent');
for (const name of ['rrule','duration','sequence','dtstart','created']) { try { const v = ev.getFirstPropertyValue(name); console.log(name, typeof v, String(v), v && v.constructor && v.constructor.name); } catch (e) { console.log(name, 'ERR', e.message); } }
try { const t = ev.getFirstPropertyValue('dtstart'); console.log(t.year, t.month, t.day, t.hour) } catch (e) { console.log('ERR', e.message)}
