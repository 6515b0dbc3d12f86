//! When the bot reminds: the rules for each kind of reminder, and quiet
//! hours. Times are unix seconds; local time is whatever time zone the
//! caller passes (the server's `TZ` in the bot, a fixed offset in tests).

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An audit stopped halfway.
    Unfinished,
    /// A plan item's deadline.
    Deadline,
    /// The yearly repeat of a finished audit.
    Reaudit,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Unfinished, Kind::Deadline, Kind::Reaudit];

    /// As stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Unfinished => "unfinished",
            Kind::Deadline => "deadline",
            Kind::Reaudit => "reaudit",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Days after a deadline when an item still open is reminded once more.
pub const DEADLINE_AGAIN_AFTER_DAYS: u64 = 3;

/// Days a deadline moves by «Перенести на неделю».
pub const POSTPONE_DAYS: u64 = 7;

/// Hours of the local day when nothing is sent: from `start` (inclusive)
/// to `end` (exclusive), across midnight when `start > end` (21-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("expected hours as START-END, each 0 to 23 and different (e.g. 21-9)")]
    BadQuietHours,
    #[error("expected an hour from 0 to 23")]
    BadHour,
    #[error("expected durations such as 24h, 3d or 90s, separated by commas")]
    BadDurations,
    #[error("expected a duration such as 365d, 12h or 90s")]
    BadDuration,
}

impl QuietHours {
    /// `21-9`; empty means no quiet hours (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, ScheduleError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let (start, end) = raw.split_once('-').ok_or(ScheduleError::BadQuietHours)?;
        let hour = |s: &str| parse_hour(s).map_err(|_| ScheduleError::BadQuietHours);
        let (start, end) = (hour(start)?, hour(end)?);
        if start == end {
            return Err(ScheduleError::BadQuietHours);
        }
        Ok(Some(Self { start, end }))
    }

    fn contains(self, hour: u32) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&hour)
        } else {
            hour >= self.start || hour < self.end
        }
    }
}

/// An hour of the day, 0 to 23.
pub fn parse_hour(raw: &str) -> Result<u32, ScheduleError> {
    let raw = raw.trim();
    let canonical = !raw.is_empty() && raw.len() <= 2 && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<u32>() {
        Ok(hour) if canonical && hour < 24 => Ok(hour),
        _ => Err(ScheduleError::BadHour),
    }
}

/// One duration in the usual human form (`90s`, `24h`, `3d`, `1h 30m`),
/// at least one second.
pub fn parse_duration(raw: &str) -> Result<Duration, ScheduleError> {
    match humantime::parse_duration(raw.trim()) {
        Ok(d) if d.as_secs() >= 1 && i64::try_from(d.as_secs()).is_ok() => Ok(d),
        _ => Err(ScheduleError::BadDuration),
    }
}

/// Durations separated by commas, each longer than the one before
/// (`24h,72h`); empty means none.
pub fn parse_durations(raw: &str) -> Result<Vec<Duration>, ScheduleError> {
    if raw.trim().is_empty() {
        return Ok(Vec::new());
    }
    let delays = raw
        .split(',')
        .map(|part| parse_duration(part).map_err(|_| ScheduleError::BadDurations))
        .collect::<Result<Vec<_>, _>>()?;
    if delays.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ScheduleError::BadDurations);
    }
    Ok(delays)
}

/// The reminder rules as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// After each of these, counted from the last press, an unfinished
    /// audit is reminded once.
    pub unfinished: Vec<Duration>,
    /// After this, counted from finishing, the repeat audit is suggested.
    pub reaudit_after: Duration,
    /// Local hour at which deadline reminders go out.
    pub reminder_hour: u32,
    pub quiet: Option<QuietHours>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            unfinished: vec![
                Duration::from_secs(24 * 3600),
                Duration::from_secs(72 * 3600),
            ],
            reaudit_after: Duration::from_secs(365 * 24 * 3600),
            reminder_hour: 10,
            quiet: Some(QuietHours { start: 21, end: 9 }),
        }
    }
}

/// One reminder to schedule: the `step` of its series and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub step: u32,
    pub at: i64,
}

impl Schedule {
    /// The unfinished-audit reminders after a press at `last_press`.
    pub fn unfinished_due<Tz: TimeZone>(&self, last_press: i64, tz: &Tz) -> Vec<Due> {
        self.unfinished
            .iter()
            .zip(0..)
            .map(|(delay, step)| Due {
                step,
                at: self.deliverable(last_press.saturating_add(secs(*delay)), tz),
            })
            .collect()
    }

    /// An unfinished-audit reminder of `step` has come due, but the audit
    /// changed at `last_change`, after the series was planned: a press
    /// leaves the series as an earlier one planned it, early. The series
    /// counted from that change, if its `step` then falls after `now`;
    /// `None` if the reminder is due now all the same (or there is no such
    /// step any more).
    pub fn unfinished_later<Tz: TimeZone>(
        &self,
        step: u32,
        last_change: i64,
        now: i64,
        tz: &Tz,
    ) -> Option<Vec<Due>> {
        let due = self.unfinished_due(last_change, tz);
        let this = due.iter().find(|d| d.step == step)?;
        (this.at > now).then_some(due)
    }

    /// The reminders of an open plan item due on `deadline`: on the day at
    /// the reminder hour, and once more some days later. Those already past
    /// at `now` are left out: a deadline set for today after the hour is not
    /// reminded at once.
    pub fn deadline_due<Tz: TimeZone>(&self, deadline: NaiveDate, now: i64, tz: &Tz) -> Vec<Due> {
        let later = deadline.checked_add_days(Days::new(DEADLINE_AGAIN_AFTER_DAYS));
        [Some(deadline), later]
            .into_iter()
            .zip(0..)
            .filter_map(|(day, step)| {
                let at = self.deliverable(local_instant(day?, self.reminder_hour, tz)?, tz);
                (at > now).then_some(Due { step, at })
            })
            .collect()
    }

    /// The repeat-audit invitation for an audit finished at `finished_at`.
    pub fn reaudit_due<Tz: TimeZone>(&self, finished_at: i64, tz: &Tz) -> Due {
        Due {
            step: 0,
            at: self.deliverable(finished_at.saturating_add(secs(self.reaudit_after)), tz),
        }
    }

    /// `at`, or the end of the quiet hours it falls into.
    pub fn deliverable<Tz: TimeZone>(&self, at: i64, tz: &Tz) -> i64 {
        self.quiet_until(at, tz).unwrap_or(at)
    }

    /// When the quiet hours around `at` end, if `at` is inside them.
    pub fn quiet_until<Tz: TimeZone>(&self, at: i64, tz: &Tz) -> Option<i64> {
        let quiet = self.quiet?;
        let local = DateTime::<Utc>::from_timestamp(at, 0)?.with_timezone(tz);
        if !quiet.contains(local.hour()) {
            return None;
        }
        let today = local.date_naive();
        let day = if local.hour() < quiet.end {
            today
        } else {
            today.checked_add_days(Days::new(1))?
        };
        local_instant(day, quiet.end, tz).filter(|end| *end > at)
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// `hour`:00 local time on `day`, as unix seconds. In a daylight-saving gap
/// (the hour does not exist that day) the first valid time after it.
fn local_instant<Tz: TimeZone>(day: NaiveDate, hour: u32, tz: &Tz) -> Option<i64> {
    let naive = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0)?);
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => Some(t.timestamp()),
        None => tz
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    /// Kyiv in winter.
    fn tz() -> FixedOffset {
        FixedOffset::east_opt(2 * 3600).expect("offset")
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        tz().with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a time")
            .timestamp()
    }

    fn quiet() -> Schedule {
        Schedule::default()
    }

    fn loud() -> Schedule {
        Schedule {
            quiet: None,
            ..Schedule::default()
        }
    }

    #[test]
    fn quiet_hours_parse_and_refuse() {
        assert_eq!(
            QuietHours::parse("21-9"),
            Ok(Some(QuietHours { start: 21, end: 9 }))
        );
        assert_eq!(
            QuietHours::parse(" 0-7 "),
            Ok(Some(QuietHours { start: 0, end: 7 }))
        );
        assert_eq!(QuietHours::parse(""), Ok(None));
        for bad in [
            "21", "21-", "9-9", "24-7", "a-b", "21-9-3", "-1-5", "21:00-9",
        ] {
            assert!(QuietHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_parse_in_human_forms_and_refuse_the_rest() {
        assert_eq!(
            parse_durations("24h,72h"),
            Ok(vec![
                Duration::from_secs(86_400),
                Duration::from_secs(259_200)
            ])
        );
        assert_eq!(
            parse_durations("2s, 4s"),
            Ok(vec![Duration::from_secs(2), Duration::from_secs(4)])
        );
        assert_eq!(parse_durations(""), Ok(vec![]));
        assert_eq!(
            parse_duration("365d"),
            Ok(Duration::from_secs(365 * 86_400))
        );
        for bad in ["24", "day", "72h,24h", "24h,,72h", "0s", "-3d", "24h,24h"] {
            assert!(parse_durations(bad).is_err(), "{bad}");
        }
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn an_unfinished_audit_is_reminded_after_each_delay_from_the_last_press() {
        let press = at(2026, 12, 1, 12, 0);
        let due = quiet().unfinished_due(press, &tz());
        assert_eq!(
            due,
            vec![
                Due {
                    step: 0,
                    at: at(2026, 12, 2, 12, 0)
                },
                Due {
                    step: 1,
                    at: at(2026, 12, 4, 12, 0)
                }
            ]
        );
    }

    #[test]
    fn a_reminder_planned_before_the_last_press_waits_for_that_press_s_delay() {
        let planned = at(2026, 12, 1, 12, 0);
        let pressed = at(2026, 12, 1, 18, 0);
        let first = at(2026, 12, 2, 12, 0);
        // Step 0 comes due a day after the first press; the last one was
        // six hours later: the series moves there.
        assert_eq!(
            loud().unfinished_later(0, pressed, first, &tz()),
            Some(vec![
                Due {
                    step: 0,
                    at: at(2026, 12, 2, 18, 0)
                },
                Due {
                    step: 1,
                    at: at(2026, 12, 4, 18, 0)
                }
            ])
        );
        // No press since: due now.
        assert_eq!(loud().unfinished_later(0, planned, first, &tz()), None);
        // Claimed late (the bot was down): what is due by now goes now.
        let late = at(2026, 12, 3, 0, 0);
        assert_eq!(loud().unfinished_later(0, pressed, late, &tz()), None);
        assert!(loud().unfinished_later(1, pressed, late, &tz()).is_some());
        // A step the delays no longer have (REMIND_UNFINISHED shortened).
        let one = Schedule {
            unfinished: vec![Duration::from_secs(3600)],
            ..loud()
        };
        assert_eq!(one.unfinished_later(1, pressed, first, &tz()), None);
        // Quiet hours count as they do for any press.
        let evening = at(2026, 12, 1, 22, 0);
        let moved = quiet().unfinished_later(0, evening, first, &tz());
        assert_eq!(moved.map(|d| d[0].at), Some(at(2026, 12, 3, 9, 0)));
    }

    #[test]
    fn a_reminder_due_in_quiet_hours_waits_for_their_end() {
        // A press at 23:30: a day later is inside 21-9, so 9:00 the day after.
        let press = at(2026, 12, 1, 23, 30);
        let due = quiet().unfinished_due(press, &tz());
        assert_eq!(due[0].at, at(2026, 12, 3, 9, 0));
        // Early morning: the end is the same day.
        assert_eq!(
            quiet().deliverable(at(2026, 12, 3, 4, 15), &tz()),
            at(2026, 12, 3, 9, 0)
        );
        // 9:00 itself and 20:59 are outside; 21:00 is inside.
        for outside in [at(2026, 12, 3, 9, 0), at(2026, 12, 3, 20, 59)] {
            assert_eq!(quiet().deliverable(outside, &tz()), outside);
        }
        assert_eq!(
            quiet().deliverable(at(2026, 12, 3, 21, 0), &tz()),
            at(2026, 12, 4, 9, 0)
        );
        // Without quiet hours nothing moves.
        assert_eq!(
            loud().deliverable(at(2026, 12, 3, 4, 15), &tz()),
            at(2026, 12, 3, 4, 15)
        );
        // Quiet hours within one day (13-14).
        let lunch = Schedule {
            quiet: Some(QuietHours { start: 13, end: 14 }),
            ..Schedule::default()
        };
        assert_eq!(
            lunch.deliverable(at(2026, 12, 3, 13, 40), &tz()),
            at(2026, 12, 3, 14, 0)
        );
        assert_eq!(
            lunch.deliverable(at(2026, 12, 3, 23, 0), &tz()),
            at(2026, 12, 3, 23, 0)
        );
    }

    #[test]
    fn a_deadline_is_reminded_on_its_day_at_the_hour_and_three_days_later() {
        let deadline = NaiveDate::from_ymd_opt(2026, 12, 10).expect("date");
        let due = quiet().deadline_due(deadline, at(2026, 12, 1, 12, 0), &tz());
        assert_eq!(
            due,
            vec![
                Due {
                    step: 0,
                    at: at(2026, 12, 10, 10, 0)
                },
                Due {
                    step: 1,
                    at: at(2026, 12, 13, 10, 0)
                }
            ]
        );
        // Set on the day itself after the hour: only the later one.
        let late = quiet().deadline_due(deadline, at(2026, 12, 10, 15, 0), &tz());
        assert_eq!(
            late,
            vec![Due {
                step: 1,
                at: at(2026, 12, 13, 10, 0)
            }]
        );
        // A reminder hour inside the quiet hours moves to their end.
        let early = Schedule {
            reminder_hour: 7,
            ..Schedule::default()
        };
        assert_eq!(
            early.deadline_due(deadline, at(2026, 12, 1, 12, 0), &tz())[0].at,
            at(2026, 12, 10, 9, 0)
        );
    }

    #[test]
    fn the_repeat_audit_comes_after_the_configured_time() {
        let finished = at(2026, 12, 1, 12, 0);
        assert_eq!(
            quiet().reaudit_due(finished, &tz()),
            Due {
                step: 0,
                at: at(2027, 12, 1, 12, 0)
            }
        );
    }

    #[test]
    fn hours_are_checked() {
        assert_eq!(parse_hour("10"), Ok(10));
        assert_eq!(parse_hour("0"), Ok(0));
        for bad in ["24", "-1", "", "ten", "010", "+5"] {
            assert!(parse_hour(bad).is_err(), "{bad}");
        }
    }
}
