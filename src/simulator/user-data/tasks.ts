/**
 * Tasks: everyday office to-dos with due dates, alarms, priorities, statuses and categories; the
 * routine ones (expense reports, timesheets) repeat.
 */
import { type Recurrence, type Task, type TaskPriority, type TaskStatus, WEEK_DAY_BITS } from '../../sync/records.js';
import { DAY, HOUR, type LocalClock } from './local-clock.js';
import { ZONES } from './places.js';
import { fullName, type Profile } from './profile.js';
import { type RandomStream, recordIdMaker } from './random.js';
import { DOCUMENTS, TOPICS, fillTemplate } from './words.js';

const TASKS = [
  'Submit expense report',
  'Review {project} budget',
  'Call {name} about {topic}',
  'Prepare slides for the {project} review',
  'Book travel to {city}',
  'Renew parking pass',
  'Send {name} the {doc}',
  'Update {project} status report',
  'Follow up with {name}',
  'Approve timesheets',
  'Sign off on {doc}',
  'Schedule performance reviews',
  'Order new business cards',
  'Register for the industry conference',
] as const;

/** How the routine tasks repeat, from their due date: expense reports monthly, timesheets weekly. */
function routine(summary: string, clock: LocalClock, due: number | undefined): Recurrence | undefined {
  if (due === undefined) return undefined;
  const date = clock.date(due);
  if (summary === 'Submit expense report') return { type: 'MonthlyByDate', interval: 1, dayOfMonth: date.day };
  if (summary === 'Approve timesheets') return { type: 'Weekly', interval: 1, weekDays: Object.values(WEEK_DAY_BITS)[date.weekday] ?? 1 };
  return undefined;
}

/** `count` tasks, with a status consistent with the due date. */
export function generateTasks(rng: RandomStream, profile: Profile, clock: LocalClock, count: number): Task[] {
  const newId = recordIdMaker(rng);
  const out: Task[] = [];
  for (let i = 0; i < count; i++) {
    const values = {
      project: rng.pick(profile.projects),
      name: fullName(rng.pick(profile.colleagues)),
      topic: rng.pick(TOPICS),
      doc: rng.pick(DOCUMENTS),
      city: rng.pick(ZONES).city,
    };
    const hasDue = rng.chance(0.75);
    const due = hasDue ? clock.workday(rng.range(-10, 20)) + 17 * HOUR : undefined;
    const start = due !== undefined && rng.chance(0.4) ? due - 8 * HOUR - rng.range(1, 5) * DAY : undefined;
    const alarm = due !== undefined && rng.chance(0.4) ? due - rng.pick([1 * HOUR, 8 * HOUR, 32 * HOUR]) : undefined;
    const overdue = due !== undefined && due < clock.now;
    const status: TaskStatus = overdue
      ? rng.weighted([
          ['Completed', 70],
          ['InProgress', 20],
          ['Waiting', 10],
        ] as const)
      : rng.weighted([
          ['NotStarted', 50],
          ['InProgress', 30],
          ['Waiting', 10],
          ['Deferred', 10],
        ] as const);
    const priority: TaskPriority = rng.weighted([
      ['High', 20],
      ['Normal', 65],
      ['Low', 15],
    ] as const);
    const category = rng.weighted([
      ['Business', 60],
      ['Personal', 15],
      ['', 25],
    ] as const);
    const summary = fillTemplate(rng.pick(TASKS), values);
    const recurrence = routine(summary, clock, due);
    out.push({
      kind: 'task',
      id: newId(),
      summary,
      notes: rng.chance(0.25) ? `See email from ${values.name}.` : '',
      categories: category === '' ? [] : [category],
      ...(start !== undefined ? { start } : {}),
      ...(due !== undefined ? { due } : {}),
      ...(alarm !== undefined ? { alarm, alarmType: 'Date' as const } : {}),
      priority,
      status,
      ...(recurrence ? { recurrence } : {}),
      timeZoneCode: profile.zone.timeZoneCode,
    });
  }
  return out;
}
