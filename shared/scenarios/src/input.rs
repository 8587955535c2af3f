//! Reading what people type: numbers ("12 500", "12,5", "12.5k"), phone numbers (to E.164),
//! email addresses and dates.

/// A number as people write it: spaces and `'` group thousands, `,` or `.` is the decimal mark
/// (both: the last one is), `1,000` / `1,000,000` group thousands, and `k` / `к` / `тис` (×1000)
/// or `m` / `м` / `млн` (×1,000,000) may follow.
pub fn number(s: &str) -> Option<f64> {
    let mut t: String = s
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '_')
        .collect::<String>()
        .to_lowercase();
    let mut factor = 1.0;
    for (suffix, f) in [
        ("тис.", 1e3),
        ("тыс.", 1e3),
        ("тис", 1e3),
        ("тыс", 1e3),
        ("млн", 1e6),
        ("k", 1e3),
        ("к", 1e3),
        ("m", 1e6),
        ("м", 1e6),
    ] {
        if let Some(head) = t.strip_suffix(suffix) {
            t = head.to_owned();
            factor = f;
            break;
        }
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b.to_owned()),
        None => (false, t),
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return None;
    }
    let grouped = |sep: char| {
        let parts: Vec<&str> = body.split(sep).collect();
        parts.len() > 1
            && (1..=3).contains(&parts[0].len())
            && parts[1..].iter().all(|p| p.len() == 3)
    };
    let normal = match (body.rfind(','), body.rfind('.')) {
        (Some(c), Some(d)) => {
            let (dec, group) = if c > d { (',', '.') } else { ('.', ',') };
            let b = body.replace(group, "");
            if b.matches(dec).count() > 1 {
                return None;
            }
            b.replace(dec, ".")
        }
        (Some(_), None) if grouped(',') && factor == 1.0 => body.replace(',', ""),
        (Some(_), None) if body.matches(',').count() == 1 => body.replace(',', "."),
        (None, Some(_)) if body.matches('.').count() > 1 && grouped('.') => body.replace('.', ""),
        (None, Some(_)) if body.matches('.').count() == 1 => body,
        (None, None) => body,
        _ => return None,
    };
    let v: f64 = normal.parse().ok()?;
    let v = v * factor;
    v.is_finite().then_some(if neg { -v } else { v })
}

/// A phone number in E.164 (`+` and 8 to 15 digits), from what Telegram's contact holds
/// (`380501234567`, sometimes with `+`) or what was typed (`+380 (50) 123-45-67`,
/// `00380…`). Typed numbers need their country code (`+`, `00`, or 11 digits and more).
pub fn phone(s: &str, from_contact: bool) -> Option<String> {
    let t = s.trim();
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    if t.is_empty() || !t.chars().all(allowed) || t.rfind('+').is_some_and(|i| i > 0) {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let (digits, international) = if t.starts_with('+') {
        (digits, true)
    } else if let Some(d) = digits.strip_prefix("00") {
        (d.to_owned(), true)
    } else {
        let long = digits.len() >= 11;
        (digits, from_contact || long)
    };
    let ok = international && (8..=15).contains(&digits.len()) && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

/// An email address (`local@domain.tld`), with the domain lowercased.
pub fn email(s: &str) -> Option<String> {
    let t = s.trim();
    let (local, domain) = t.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|l| l.chars().count() >= 2);
    (local_ok && domain_ok).then(|| format!("{local}@{}", domain.to_lowercase()))
}

/// A calendar date as `YYYY-MM-DD`, from `2026-12-24`, `24.12.2026` or `24/12/2026`.
pub fn date(s: &str) -> Option<String> {
    let t = s.trim();
    let parts: Vec<&str> = t.split(['-', '.', '/']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (y, m, d) = if parts[0].len() == 4 && t.contains('-') {
        (n[0], n[1], n[2])
    } else if parts[2].len() == 4 && !t.contains('-') {
        (n[2], n[1], n[0])
    } else {
        return None;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1900..=2200).contains(&y) && (1..=days).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_write_them() {
        for (s, v) in [
            ("12 500", 12500.0),
            ("12,5", 12.5),
            ("12.5", 12.5),
            ("12.5k", 12500.0),
            ("12,5k", 12500.0),
            ("25,000", 25000.0),
            ("1,250,000", 1_250_000.0),
            ("1.250.000", 1_250_000.0),
            ("1 250,50", 1250.5),
            ("1,250.50", 1250.5),
            ("1.250,50", 1250.5),
            ("20 тис", 20000.0),
            ("1.2 млн", 1_200_000.0),
            ("15к", 15000.0),
            ("-3", -3.0),
            ("0", 0.0),
        ] {
            assert_eq!(number(s), Some(v), "{s}");
        }
        for s in ["", "abc", "12a", "1,2,3", "1.2.3", "k", "--1", "12..5"] {
            assert_eq!(number(s), None, "{s}");
        }
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            phone("+380 (50) 123-45-67", false).as_deref(),
            Some("+380501234567")
        );
        assert_eq!(
            phone("00380501234567", false).as_deref(),
            Some("+380501234567")
        );
        assert_eq!(
            phone("380501234567", true).as_deref(),
            Some("+380501234567")
        );
        assert_eq!(
            phone("380501234567", false).as_deref(),
            Some("+380501234567")
        );
        assert_eq!(phone("0501234567", false), None, "no country code");
        assert_eq!(phone("+38 050", false), None, "too short");
        assert_eq!(phone("call me", false), None);
        assert_eq!(phone("+1+2345678901", false), None);
    }

    #[test]
    fn emails_and_dates() {
        assert_eq!(
            email(" Ann@Example.COM ").as_deref(),
            Some("Ann@example.com")
        );
        for bad in [
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a b@x.com",
            "ann@-x.com",
            "ann@x.c",
        ] {
            assert_eq!(email(bad), None, "{bad}");
        }
        assert_eq!(date("24.12.2026").as_deref(), Some("2026-12-24"));
        assert_eq!(date("2026-12-24").as_deref(), Some("2026-12-24"));
        assert_eq!(date("29/02/2028").as_deref(), Some("2028-02-29"));
        for bad in [
            "29.02.2027",
            "31.04.2026",
            "2026/12/24",
            "24-12-2026",
            "tomorrow",
            "1.1.26",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }
}
