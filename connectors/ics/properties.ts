/** Reading an event's properties (text, parameters, addresses) in the forms the record keeps. */
import type { IcalComponent, IcalProperty } from './ical-types.js';

export function firstParameter(property: IcalProperty, name: string): string | null {
  const value: unknown = property.getParameter(name);
  if (Array.isArray(value)) return value.length === 0 ? null : value.map(String).join(',');
  return typeof value === 'string' && value !== '' ? value : null;
}

export function textOf(component: IcalComponent, name: string): string | null {
  const property = component.getFirstProperty(name);
  return property === null ? null : textOfProperty(property);
}

/**
 * A property's value as text. ical.js leaves X- properties undecoded ("unknown" type);
 * they are nearly always TEXT, so their escapes are decoded the same way.
 */
function textOfProperty(property: IcalProperty): string | null {
  const value = rawValueOf(property);
  return value !== null && property.type === 'unknown' ? unescapeText(value) : value;
}

export function rawValueOf(property: IcalProperty): string | null {
  try {
    const value: unknown = property.getFirstValue();
    return value === null || value === undefined ? null : String(value);
  } catch {
    return null;
  }
}

/** RFC 5545 TEXT escapes: \\ \; \, and \n (or \N) for a line break. */
const TEXT_ESCAPE = /\\([\\;,nN])/g;

function unescapeText(value: string): string {
  return value.replace(TEXT_ESCAPE, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char));
}

export function sequenceOf(component: IcalComponent): number | null {
  const value: unknown = component.getFirstPropertyValue('sequence');
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stripMailto(address: string): string {
  return address.replace(/^mailto:/i, '');
}

/** The address as written minus `mailto:`; the EMAIL parameter when the value has none. */
function addressOf(property: IcalProperty): string | null {
  const address = stripMailto((rawValueOf(property) ?? '').trim());
  return address !== '' ? address : firstParameter(property, 'email');
}

export function organizerOf(component: IcalComponent): { email: string | null; name: string | null } | null {
  const property = component.getFirstProperty('organizer');
  if (property === null) return null;
  return { email: addressOf(property), name: firstParameter(property, 'cn') };
}

export function attendeesOf(component: IcalComponent): Array<{ email: string | null; name: string | null; partstat: string | null; role: string | null }> {
  return component.getAllProperties('attendee').map((property) => ({
    email: addressOf(property),
    name: firstParameter(property, 'cn'),
    partstat: firstParameter(property, 'partstat'),
    role: firstParameter(property, 'role'),
  }));
}

export function categoriesOf(component: IcalComponent): string[] {
  return component.getAllProperties('categories').flatMap((property) => property.getValues().map(String));
}

/** Every X- property of the event, value as text; a repeated one becomes a list. */
export function extraPropertiesOf(component: IcalComponent): Record<string, string | string[]> {
  const extra: Record<string, string | string[]> = {};
  for (const property of component.getAllProperties()) {
    if (!property.name.startsWith('x-')) continue;
    const name = property.name.toUpperCase();
    const value = textOfProperty(property) ?? '';
    const previous = extra[name];
    if (previous === undefined) extra[name] = value;
    else extra[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return extra;
}

export function isCancelled(status: string | null): boolean {
  return status !== null && status.trim().toUpperCase() === 'CANCELLED';
}
