//! Timestamps: microseconds since the Unix epoch, UTC, as `i64`, with ISO-8601 parsing and
//! RFC 3339 formatting (proleptic Gregorian calendar, no leap seconds).

use crate::error::{Error, Result};

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// The current time.
pub fn now() -> Timestamp {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64,
        Err(e) => -(e.duration().as_micros() as i64),
    }
}

/// Days since the epoch of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
    input: &'a str,
}

impl Cursor<'_> {
    fn bad(&self, why: &str) -> Error {
        Error::invalid(format!(
            "timestamp {:?}: {why} at character {} (expected ISO 8601, e.g. 2024-03-01 or 2024-03-01T12:00:00Z)",
            self.input, self.pos
        ))
    }

    fn digits(&mut self, n: usize) -> Result<i64> {
        let part = self
            .s
            .get(self.pos..self.pos + n)
            .ok_or_else(|| self.bad("too short"))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(self.bad("expected a digit"));
        }
        self.pos += n;
        Ok(part.iter().fold(0, |a, d| a * 10 + i64::from(d - b'0')))
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.bad(&format!("expected '{}'", c as char)))
        }
    }
}

/// Parses `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM[:SS[.fraction]]`, and an
/// optional `Z` or `±HH:MM` offset (no offset means UTC).
pub fn parse(input: &str) -> Result<Timestamp> {
    let mut c = Cursor {
        s: input.trim().as_bytes(),
        pos: 0,
        input,
    };
    let y = c.digits(4)?;
    c.expect(b'-')?;
    let mo = c.digits(2)?;
    c.expect(b'-')?;
    let d = c.digits(2)?;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(c.bad("no such date"));
    }
    let mut secs = days_from_civil(y, mo, d) * SECS_PER_DAY;
    let mut micros = 0;
    if c.eat(b'T') || c.eat(b't') || c.eat(b' ') {
        let h = c.digits(2)?;
        c.expect(b':')?;
        let mi = c.digits(2)?;
        let s = if c.eat(b':') { c.digits(2)? } else { 0 };
        if h > 23 || mi > 59 || s > 59 {
            return Err(c.bad("no such time of day"));
        }
        secs += h * 3600 + mi * 60 + s;
        if c.eat(b'.') {
            let start = c.pos;
            let mut scale = 100_000;
            while c.s.get(c.pos).is_some_and(u8::is_ascii_digit) {
                micros += i64::from(c.s[c.pos] - b'0') * scale;
                scale /= 10;
                c.pos += 1;
            }
            if c.pos == start {
                return Err(c.bad("expected fraction digits"));
            }
        }
        secs -= offset(&mut c)?;
    }
    if c.pos != c.s.len() {
        return Err(c.bad("unexpected trailing text"));
    }
    Ok(secs * MICROS_PER_SEC + micros)
}

fn offset(c: &mut Cursor<'_>) -> Result<i64> {
    if c.eat(b'Z') || c.eat(b'z') || c.pos == c.s.len() {
        return Ok(0);
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return Err(c.bad("expected Z or an offset"));
    };
    let h = c.digits(2)?;
    c.eat(b':');
    let m = c.digits(2)?;
    if h > 23 || m > 59 {
        return Err(c.bad("offset out of range"));
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// Formats as RFC 3339 in UTC: `2024-03-01T12:00:00Z`, with microseconds when not zero.
pub fn format(ts: Timestamp) -> String {
    let secs = ts.div_euclid(MICROS_PER_SEC);
    let micros = ts.rem_euclid(MICROS_PER_SEC);
    let days = secs.div_euclid(SECS_PER_DAY);
    let rem = secs.rem_euclid(SECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if micros == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_times_fractions_and_offsets() {
        assert_eq!(parse("1970-01-01").unwrap(), 0);
        assert_eq!(parse("1970-01-02T00:00:00Z").unwrap(), 86_400_000_000);
        assert_eq!(
            parse("2024-02-29T12:30:15.25Z").unwrap(),
            1_709_209_815_250_000
        );
        assert_eq!(
            parse("2024-02-29T14:30:15.25+02:00").unwrap(),
            parse("2024-02-29T12:30:15.25Z").unwrap()
        );
        assert_eq!(
            parse("2024-02-29 12:30").unwrap(),
            parse("2024-02-29T12:30:00Z").unwrap()
        );
        assert_eq!(parse("1969-12-31T23:59:59Z").unwrap(), -1_000_000);
    }

    #[test]
    fn rejects_impossible_dates_with_a_clear_message() {
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T25:00",
            "yesterday",
            "2024-01-01x",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.to_string().contains("ISO 8601"), "{err}");
        }
    }

    #[test]
    fn format_round_trips() {
        for ts in [
            0,
            1,
            -1,
            1_709_209_815_250_000,
            253_402_300_799_000_000,
            -62_135_596_800_000_000,
        ] {
            assert_eq!(parse(&format(ts)).unwrap(), ts, "{}", format(ts));
        }
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
    }
}
