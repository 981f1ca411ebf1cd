/**
 * Scheduled scaling for the month-end expenses rush: a larger minimum over the last working days of each month
 * and the first working days of the next, as EC2 Auto Scaling scheduled actions (five-field Unix cron in an IANA
 * time zone, https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-scheduled-scaling.html).
 *
 * Cron cannot say "the last working day", so the window is computed for the worst case of every month length and
 * weekday: it always covers the working days asked for, and at most starts a weekend earlier than needed.
 * Public holidays are not known here; raise lastWorkingDays by one where a holiday often falls at month end.
 */

export interface MonthEndWindow {
    /** Working days (Monday to Friday) at the end of each month with the larger minimum, counting the last. 1 to 5. */
    readonly lastWorkingDays: number;
    /** Working days at the start of each month that keep it. 0 to 5. */
    readonly firstWorkingDays: number;
    /** The group's minimum during the window. */
    readonly minSize: number;
    /** IANA time zone of the hours below, e.g. "Europe/Paris". */
    readonly timeZone: string;
    /** Hour (0-23) at which the minimum is raised, each day of the window: before people start work. */
    readonly startHour: number;
    /** Hour (0-23) at which the minimum returns to normal, on the window's last day. */
    readonly endHour: number;
}

/** One scheduled action: raise or restore the group's minimum, on a recurrence. */
export interface MinSizeAction {
    /** Stable name, by what the action does (never by position). */
    readonly name: string;
    /** Five-field cron: minute hour day-of-month month day-of-week. */
    readonly recurrence: string;
    readonly minSize: number;
}

const isWorkingDay = (weekday: number) => weekday >= 1 && weekday <= 5;

/** Days (1-based) of a month of `length` days whose 1st falls on `firstWeekday` (0 = Sunday) that are working days. */
function workingDays(length: number, firstWeekday: number): number[] {
    const days: number[] = [];
    for (let day = 1; day <= length; day++) if (isWorkingDay((firstWeekday + day - 1) % 7)) days.push(day);
    return days;
}

/** The last `n` working days of a real month (UTC calendar), and the first `m` of it: for tests and docs. */
export function monthEdgeWorkingDays(year: number, month: number, n: number, m: number): { last: number[]; first: number[] } {
    const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const days = workingDays(length, new Date(Date.UTC(year, month - 1, 1)).getUTCDay());
    return { last: days.slice(-n), first: days.slice(0, m) };
}

/** Earliest day of the month on which the last `n` working days can start, over these month lengths and every weekday. */
export function earliestStartDay(lengths: readonly number[], n: number): number {
    let earliest = 31;
    for (const length of lengths)
        for (let weekday = 0; weekday < 7; weekday++) earliest = Math.min(earliest, workingDays(length, weekday).slice(-n)[0]);
    return earliest;
}

/** Latest day of the month on which the first `m` working days can end, over every weekday of the 1st. */
export function latestEndDay(m: number): number {
    let latest = 0;
    for (let weekday = 0; weekday < 7; weekday++) latest = Math.max(latest, workingDays(31, weekday)[m - 1]);
    return latest;
}

/** Months grouped by length, each with its own cron month field; February covers 28 and 29 days. */
const MONTH_GROUPS = [
    { name: "31-day", months: "1,3,5,7,8,10,12", lengths: [31] },
    { name: "30-day", months: "4,6,9,11", lengths: [30] },
    { name: "february", months: "2", lengths: [28, 29] },
] as const;

export function monthEndWindowProblems(window: MonthEndWindow, group: { readonly minSize: number; readonly maxSize: number }): string[] {
    const problems: string[] = [];
    const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
    if (!intIn(window.lastWorkingDays, 1, 5)) problems.push(`lastWorkingDays (${window.lastWorkingDays}) must be 1 to 5`);
    if (!intIn(window.firstWorkingDays, 0, 5)) problems.push(`firstWorkingDays (${window.firstWorkingDays}) must be 0 to 5`);
    if (!intIn(window.startHour, 0, 23)) problems.push(`startHour (${window.startHour}) must be 0 to 23`);
    if (!intIn(window.endHour, 0, 23)) problems.push(`endHour (${window.endHour}) must be 0 to 23`);
    if (window.firstWorkingDays > 0 && !(window.endHour > window.startHour)) {
        problems.push(`endHour (${window.endHour}) must be after startHour (${window.startHour}): both fire on the window's last day`);
    }
    if (!(window.minSize > group.minSize && window.minSize <= group.maxSize)) {
        problems.push(
            `the month-end minSize (${window.minSize}) must be above the group's minSize (${group.minSize}) ` +
                `and at most its maxSize (${group.maxSize})`,
        );
    }
    try {
        new Intl.DateTimeFormat("en", { timeZone: window.timeZone });
    } catch {
        problems.push(`timeZone "${window.timeZone}" is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)`);
    }
    return problems;
}

/**
 * The scheduled actions of a month-end window: each day of the window at startHour the minimum is (re)raised, so a
 * `pulumi up` in the middle of the window (which writes the configured minimum back) is undone by the next morning;
 * at endHour of the window's last day the minimum returns to the group's own. Desired and maximum capacity are left
 * to target tracking.
 */
export function monthEndActions(window: MonthEndWindow, baseMinSize: number): MinSizeAction[] {
    const at = (hour: number) => `0 ${hour}`;
    const raise = MONTH_GROUPS.map(group => ({
        name: `month-end-raise-${group.name}`,
        recurrence:
            `${at(window.startHour)} ${earliestStartDay(group.lengths, window.lastWorkingDays)}-${Math.max(...group.lengths)} ` +
            `${group.months} *`,
        minSize: window.minSize,
    }));
    if (window.firstWorkingDays === 0) {
        // The window ends with the month: restore at midnight of the 1st.
        return [...raise, { name: "month-end-restore", recurrence: "0 0 1 * *", minSize: baseMinSize }];
    }
    const end = latestEndDay(window.firstWorkingDays);
    return [
        ...raise,
        { name: "month-start-raise", recurrence: `${at(window.startHour)} 1-${end} * *`, minSize: window.minSize },
        { name: "month-end-restore", recurrence: `${at(window.endHour)} ${end} * *`, minSize: baseMinSize },
    ];
}
