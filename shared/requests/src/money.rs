//! Money is integer minor units of an ISO 4217 currency everywhere: 25 000 USD is 2 500 000
//! cents, 25 000 JPY is 25 000 yen. The exponents are ISO 4217's for the currencies a dealer or a
//! shop in the product's markets meets; others are refused rather than guessed.

/// (code, minor-unit exponent).
pub const CURRENCIES: &[(&str, u32)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("UAH", 2),
    ("PLN", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("CZK", 2),
    ("RON", 2),
    ("HUF", 2),
    ("GEL", 2),
    ("KZT", 2),
    ("MDL", 2),
    ("TRY", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("AED", 2),
    ("CNY", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("BHD", 3),
];

/// The exponent of a known currency (`usd` is read as `USD`).
pub fn exponent(code: &str) -> Option<u32> {
    let up = code.trim().to_ascii_uppercase();
    CURRENCIES.iter().find(|(c, _)| *c == up).map(|(_, e)| *e)
}

/// An amount in major units (25000.5) as minor units of `currency` (2500050), rounded to the
/// nearest minor unit; `None` for an unknown currency, a negative or an absurd amount.
pub fn to_minor(amount: f64, currency: &str) -> Option<i64> {
    let e = exponent(currency)?;
    let minor = (amount * 10f64.powi(e as i32)).round();
    (amount.is_finite() && amount >= 0.0 && minor < 9.0e15).then_some(minor as i64)
}

/// Minor units written for people: `25 000.00 USD`, `25 000 JPY`.
pub fn display(minor: i64, currency: &str) -> String {
    let e = exponent(currency).unwrap_or(2);
    let unit = 10i64.pow(e);
    let (whole, frac) = (minor / unit, (minor % unit).abs());
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    if e == 0 {
        format!("{sign}{grouped} {}", currency.to_ascii_uppercase())
    } else {
        format!(
            "{sign}{grouped}.{frac:0width$} {}",
            currency.to_ascii_uppercase(),
            width = e as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_follow_the_currency() {
        assert_eq!(to_minor(25_000.0, "USD"), Some(2_500_000));
        assert_eq!(to_minor(25_000.0, "jpy"), Some(25_000));
        assert_eq!(to_minor(1.2345, "KWD"), Some(1_235));
        assert_eq!(to_minor(0.1 + 0.2, "EUR"), Some(30));
        assert_eq!(to_minor(10.0, "XXX"), None);
        assert_eq!(to_minor(-1.0, "USD"), None);
        assert_eq!(display(2_500_000, "USD"), "25 000.00 USD");
        assert_eq!(display(25_000, "JPY"), "25 000 JPY");
        assert_eq!(display(1_235, "KWD"), "1.235 KWD");
    }
}
