/**
 * Word lists that several databases share (people's names, companies, job titles, projects,
 * topics, documents) and the template filler for subjects and sentences such as
 * "Call {name} about {topic}".
 */

export const FIRST_NAMES = [
  'Aisha',
  'Alex',
  'Amelia',
  'Andrew',
  'Anita',
  'Ben',
  'Carlos',
  'Catherine',
  'Chen',
  'Daniel',
  'David',
  'Diana',
  'Elena',
  'Emily',
  'Ethan',
  'Fatima',
  'Grace',
  'Hannah',
  'Hiroshi',
  'Ian',
  'Isabel',
  'Jack',
  'James',
  'Jasmine',
  'Javier',
  'Julia',
  'Karen',
  'Kevin',
  'Laura',
  'Liam',
  'Lucy',
  'Marcus',
  'Maria',
  'Mark',
  'Megan',
  'Michael',
  'Mina',
  'Nadia',
  'Nathan',
  'Olivia',
  'Omar',
  'Patrick',
  'Priya',
  'Rachel',
  'Raj',
  'Rebecca',
  'Robert',
  'Samuel',
  'Sarah',
  'Sofia',
  'Stephen',
  'Thomas',
  'Victoria',
  'Wei',
  'William',
  'Yuki',
  'Zoe',
] as const;

export const LAST_NAMES = [
  'Anderson',
  'Bailey',
  'Bennett',
  'Brooks',
  'Campbell',
  'Chen',
  'Clarke',
  'Cooper',
  'Dubois',
  'Edwards',
  'Fernandez',
  'Fraser',
  'Gallagher',
  'Garcia',
  'Gupta',
  'Harris',
  'Hughes',
  'Ito',
  'Jackson',
  'Johnson',
  'Kaur',
  'Kim',
  'Kowalski',
  'Lambert',
  'Lee',
  'MacDonald',
  'Martin',
  'Mitchell',
  'Morgan',
  'Murphy',
  'Nakamura',
  'Nguyen',
  "O'Brien",
  'Patel',
  'Peterson',
  'Reid',
  'Robinson',
  'Rossi',
  'Sato',
  'Schmidt',
  'Scott',
  'Singh',
  'Stewart',
  'Taylor',
  'Thompson',
  'Tremblay',
  'Walker',
  'Wang',
  'Wilson',
  'Wright',
  'Young',
  'Zhang',
] as const;

export const COMPANIES = [
  { name: 'Northwind Traders', domain: 'northwind.example' },
  { name: 'Contoso Ltd.', domain: 'contoso.example' },
  { name: 'Fabrikam Inc.', domain: 'fabrikam.example' },
  { name: 'Tailspin Toys', domain: 'tailspin.example' },
  { name: 'Prairie Mutual Insurance', domain: 'prairiemutual.example' },
  { name: 'Lakeside Legal LLP', domain: 'lakesidelegal.example' },
  { name: 'Summit Engineering', domain: 'summiteng.example' },
  { name: 'Harbour Freight Logistics', domain: 'harbourfreight.example' },
  { name: 'Blue Spruce Consulting', domain: 'bluespruce.example' },
  { name: 'Maple Leaf Health', domain: 'mapleleafhealth.example' },
] as const;

export const JOB_TITLES = [
  'Account Manager',
  'Business Analyst',
  'Chief Financial Officer',
  'Director of Operations',
  'Financial Analyst',
  'IT Administrator',
  'Legal Counsel',
  'Marketing Manager',
  'Office Manager',
  'Product Manager',
  'Project Manager',
  'Regional Sales Director',
  'Senior Engineer',
  'Software Developer',
  'Systems Architect',
  'Vice President, Sales',
  'Executive Assistant',
  'Procurement Specialist',
] as const;

export const PROJECTS = [
  'Atlas',
  'Beacon',
  'Cobalt',
  'Falcon',
  'Harbour',
  'Horizon',
  'Keystone',
  'Lighthouse',
  'Meridian',
  'Northstar',
  'Orion',
  'Phoenix',
  'Quarry',
  'Redwood',
  'Sierra',
  'Tundra',
] as const;

export const TOPICS = [
  'the Q3 forecast',
  'the vendor contract',
  'the budget review',
  'the server migration',
  'the trade show',
  'the renewal terms',
  'the new hire onboarding',
  'the audit findings',
  'the pricing proposal',
  'the launch plan',
  'the support backlog',
  'the office move',
] as const;

export const DOCUMENTS = [
  'signed contract',
  'revised budget',
  'meeting minutes',
  'slide deck',
  'draft proposal',
  'travel itinerary',
  'expense summary',
  'test report',
  'org chart',
  'status report',
] as const;

/**
 * Each template filled so far, split once into its text and its keys (`split` with the key's
 * group alternates them: text, key, text, ..., text, as `replace` would have matched them), so
 * filling it is a few concatenations instead of a regular expression and a callback per call
 * (issue 14: the simulator generates a user's data on every activation). The generator fills only
 * its own lists' templates, a few dozen, shared by every account; the map stops growing at
 * {@link MAX_KEPT_TEMPLATES} whatever a caller fills.
 */
const TEMPLATE_PARTS = new Map<string, readonly string[]>();
const MAX_KEPT_TEMPLATES = 256;

function templateParts(template: string): readonly string[] {
  const kept = TEMPLATE_PARTS.get(template);
  if (kept) return kept;
  const parts = template.split(/\{(\w+)\}/);
  if (TEMPLATE_PARTS.size < MAX_KEPT_TEMPLATES) TEMPLATE_PARTS.set(template, parts);
  return parts;
}

/** Replaces each `{key}` of `template` by `values[key]` (an unknown key stays as its name). */
export function fillTemplate(template: string, values: Record<string, string>): string {
  const parts = templateParts(template);
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i] as string;
    out += (values[key] ?? key) + (parts[i + 1] ?? '');
  }
  return out;
}
