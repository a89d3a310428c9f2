import type { Random } from './prng.js';

/**
 * Who books kayaks in a Norwegian fjord: locals and tourists. Names are real-world
 * shaped, including the ones that break naive code: apostrophes, double quotes,
 * backslashes, emoji, and decomposed (NFD) accents that look identical to the
 * composed ones but are different strings.
 */

export interface Identity {
  fullName: string;
  /** As stored in the database: always lower-case. */
  email: string;
  /** As the customer typed it into checkout: sometimes with capitals. */
  typedEmail: string;
  phone: string | null;
  /** Whose card sometimes pays instead (Stripe's Card Name then disagrees with the booking). */
  spouseName: string | null;
}

const FIRST_NAMES = [
  'Ingrid', 'Ola', 'Kari', 'Lars', 'Nora', 'Emil', 'Sofie', 'Jakob', 'Ida', 'Henrik', 'Maja', 'Sindre',
  'Thea', 'Magnus', 'Hanna', 'Anders', 'Eirik', 'Silje', 'Jonas', 'Marte', 'Lukas', 'Anna', 'Julia', 'Felix',
  'Emma', 'Liam', 'Olivia', 'Noah', 'Charlotte', 'Pierre', 'Camille', 'Mateo', 'Lucía', 'Giulia', 'Marco',
  'Sven', 'Astrid', 'Bjørn', 'Håkon', 'Solveig', 'Tuva', 'Øystein', 'Åse', 'Jørgen', 'Kjersti', 'Tobias',
  'Vilde', 'Sander', 'Frida', 'Mathias', 'Hedda', 'Kristoffer', 'Linnea', 'Tom', 'Sarah', 'James', 'Chloé',
];

const LAST_NAMES = [
  'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen',
  'Karlsen', 'Johnsen', 'Pettersen', 'Eriksen', 'Berg', 'Haugen', 'Hagen', 'Johannessen', 'Andreassen',
  'Jacobsen', 'Dahl', 'Jørgensen', 'Halvorsen', 'Henriksen', 'Lund', 'Sørensen', 'Strand', 'Moen', 'Solberg',
  'Bakken', 'Lie', 'Müller', 'Schmidt', 'Smith', 'Brown', 'Dubois', 'Rossi', 'García', 'Svensson',
  'Lindqvist', 'Kowalski', 'Vik', 'Aasen', 'Fjeld', 'Nygård', 'Brekke', 'Tangen', 'Haug', 'Ødegaard',
];

const DOMAINS: ReadonlyArray<readonly [string, number]> = [
  ['gmail.com', 34], ['outlook.com', 10], ['hotmail.com', 9], ['online.no', 8], ['live.no', 5],
  ['icloud.com', 9], ['yahoo.com', 5], ['gmx.de', 5], ['web.de', 3], ['proton.me', 3], ['example.org', 1],
];

/**
 * Customers whose names exercise quoting in every export format, with the email
 * each one uses. Spelled with escapes where the bytes matter: `\u0308` is a
 * COMBINING DIAERESIS, so "Sjöström" below is in NFD form.
 */
export const HOSTILE_WINDOW_CUSTOMERS: ReadonlyArray<Omit<Identity, 'spouseName'>> = [
  { fullName: "Siobhán O'Brien", email: 'siobhan.obrien@gmail.com', typedEmail: 'Siobhan.OBrien@Gmail.com', phone: '+353 87 123 4567' },
  { fullName: 'Zoë "Zo" Ødegård', email: 'zoe.odegard@online.no', typedEmail: 'zoe.odegard@online.no', phone: '+47 934 12 808' },
  { fullName: 'Back\\slash Hansen', email: 'b.hansen@outlook.com', typedEmail: 'B.Hansen@Outlook.com', phone: null },
  { fullName: 'Kai 🚣 Berg', email: 'kai.berg@icloud.com', typedEmail: 'kai.berg@icloud.com', phone: '+47 415 55 019' },
  { fullName: 'Ingrid Sjo\u0308stro\u0308m', email: 'ingrid.sjostrom@gmail.com', typedEmail: 'ingrid.sjostrom@gmail.com', phone: '+46 70 123 45 67' },
  { fullName: 'Ola Nordmann, Jr.', email: 'ola.nordmann.jr@live.no', typedEmail: 'Ola.Nordmann.Jr@live.no', phone: '+47 901 23 456' },
];

/** Backup-era customers with awkward names, so that loading the backup exercises SQL quoting too. */
export const HOSTILE_BACKUP_CUSTOMERS: ReadonlyArray<Omit<Identity, 'spouseName'>> = [
  { fullName: "Renée D'Arcy", email: 'renee.darcy@gmail.com', typedEmail: 'Renee.DArcy@gmail.com', phone: '+33 6 12 34 56 78' },
  { fullName: 'Nils "Nisse" Nilsen', email: 'nisse@online.no', typedEmail: 'nisse@online.no', phone: '+47 922 10 333' },
  { fullName: 'A\u030Asne Lefèvre-Bjørk; DDS', email: 'asne.bjork@proton.me', typedEmail: 'asne.bjork@proton.me', phone: null },
];

/** Lower-case ASCII for an email local part: strips accents, spells out the Nordic letters. */
export function emailSafe(text: string): string {
  return text
    .replaceAll('ø', 'o').replaceAll('Ø', 'O').replaceAll('æ', 'ae').replaceAll('Æ', 'Ae').replaceAll('ß', 'ss')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** How people capitalise when they type their own address: `Jane.Doe@Example.com`. */
function capitalised(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const upperFirst = (part: string) => part.charAt(0).toUpperCase() + part.slice(1);
  return `${local.split('.').map(upperFirst).join('.')}@${upperFirst(domain)}`;
}

function phoneNumber(rng: Random): string {
  const digits = (n: number) => rng.string('0123456789', n);
  return rng.weighted<() => string>([
    [() => `+47 ${rng.pick(['4', '9'])}${digits(2)} ${digits(2)} ${digits(3)}`, 70],
    [() => `+49 15${digits(1)} ${digits(7)}`, 12],
    [() => `+44 7700 ${digits(6)}`, 8],
    [() => `+46 70 ${digits(3)} ${digits(2)} ${digits(2)}`, 6],
    [() => `+1 415 555 ${digits(4)}`, 4],
  ])();
}

/** A new, ordinary customer; `usedEmails` keeps emails unique (the column is UNIQUE). */
export function randomIdentity(rng: Random, usedEmails: Set<string>): Identity {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const f = emailSafe(first);
  const l = emailSafe(last);
  const domain = rng.weighted(DOMAINS);
  const localPart = rng.weighted<() => string>([
    [() => `${f}.${l}`, 50], [() => `${f}${l}`, 15], [() => `${f.charAt(0)}.${l}`, 10], [() => `${f}_${l}`, 5],
    [() => `${f}.${l}${rng.int(70, 99)}`, 10], [() => `${f}${rng.int(1, 999)}`, 10],
  ])();
  let email = `${localPart}@${domain}`;
  for (let n = 2; usedEmails.has(email); n++) email = `${localPart}${n}@${domain}`;
  usedEmails.add(email);
  const typedEmail = rng.weighted<string>([[email, 86], [capitalised(email), 12], [email.toUpperCase(), 2]]);
  return {
    fullName: `${first} ${last}`,
    email,
    typedEmail,
    phone: rng.chance(0.85) ? phoneNumber(rng) : null,
    spouseName: rng.chance(0.3) ? `${rng.pick(FIRST_NAMES)} ${last}` : null,
  };
}

export function hostileIdentity(template: Omit<Identity, 'spouseName'>, usedEmails: Set<string>): Identity {
  usedEmails.add(template.email);
  return { ...template, spouseName: null };
}
