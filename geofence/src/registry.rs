//! The vessel registry (`registry.csv`) and the watchlist (`watchlist.csv`), loaded row by
//! row: a bad row is reported with its line, field and reason, and the rest load.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

/// What is wrong with one row (or the header, line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}, field {field}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Inclusive UTC calendar days; `None` = open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Validity {
    /// Judged on the UTC day of the event time.
    pub fn covers(&self, t_ms: i64) -> bool {
        let Some(day) = chrono::DateTime::from_timestamp_millis(t_ms).map(|t| t.date_naive())
        else {
            return false;
        };
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| day <= u)
    }
}

/// A permit: `KIND:YYYY-MM-DD..YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    pub kind: String,
    pub valid: Validity,
}

/// One registered vessel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vessel {
    pub mmsi: u32,
    pub name: String,
    pub callsign: String,
    pub eni: String,
    pub ship_class: String,
    pub muck_carrier: bool,
    pub max_draught_m: Option<f64>,
    pub passenger_capacity: Option<u32>,
    pub crew_capacity: Option<u32>,
    pub permits: Vec<Permit>,
    pub owner: String,
}

impl Vessel {
    /// Whether a permit of `kind` covers event time `t_ms`.
    pub fn has_permit(&self, kind: &str, t_ms: i64) -> bool {
        self.permits
            .iter()
            .any(|p| p.kind == kind && p.valid.covers(t_ms))
    }
}

/// Every registered vessel by MMSI.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    vessels: crate::MmsiMap<Vessel>,
}

impl Registry {
    pub fn get(&self, mmsi: u32) -> Option<&Vessel> {
        self.vessels.get(&mmsi)
    }

    pub fn len(&self) -> usize {
        self.vessels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vessels.is_empty()
    }

    pub fn insert(&mut self, v: Vessel) {
        self.vessels.insert(v.mmsi, v);
    }

    /// Every vessel, by MMSI (a stable order).
    pub fn sorted(&self) -> Vec<&Vessel> {
        let mut v: Vec<&Vessel> = self.vessels.values().collect();
        v.sort_by_key(|v| v.mmsi);
        v
    }
}

/// One watchlist entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEntry {
    pub mmsi: u32,
    pub reason: String,
    /// Zone ids; empty = anywhere (the monitored area).
    pub zones: Vec<String>,
    /// Inclusive; `None` = no expiry.
    pub until: Option<NaiveDate>,
}

impl WatchEntry {
    pub fn active_at(&self, t_ms: i64) -> bool {
        Validity {
            from: None,
            until: self.until,
        }
        .covers(t_ms)
    }
}

/// The watchlist by MMSI (one vessel may be listed more than once).
#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    entries: crate::MmsiMap<Vec<WatchEntry>>,
}

impl Watchlist {
    pub fn get(&self, mmsi: u32) -> &[WatchEntry] {
        self.entries.get(&mmsi).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn insert(&mut self, e: WatchEntry) {
        self.entries.entry(e.mmsi).or_default().push(e);
    }

    /// Every entry, by MMSI (a stable order).
    pub fn sorted(&self) -> Vec<&WatchEntry> {
        let mut v: Vec<&WatchEntry> = self.entries.values().flatten().collect();
        v.sort_by_key(|e| e.mmsi);
        v
    }
}

/// What a loader returns: the good rows, and one error per bad row.
#[derive(Debug, Clone, Default)]
pub struct Loaded<T> {
    pub value: T,
    pub errors: Vec<RowError>,
}

pub const REGISTRY_COLUMNS: [&str; 11] = [
    "mmsi",
    "name",
    "callsign",
    "eni",
    "ship_class",
    "muck_carrier",
    "max_draught_m",
    "passenger_capacity",
    "crew_capacity",
    "permits",
    "owner",
];

pub const WATCHLIST_COLUMNS: [&str; 4] = ["mmsi", "reason", "zones", "until"];

/// Reads `registry.csv` (DESIGN.md "Vessel registry").
pub fn load_registry(text: &str) -> Loaded<Registry> {
    let mut out = Loaded::<Registry>::default();
    let mut seen: HashMap<u32, u64> = HashMap::new();
    for_rows(text, &REGISTRY_COLUMNS, &mut out.errors, |line, row| {
        let v = Vessel {
            mmsi: mmsi(row.get("mmsi"))?,
            name: row.get("name").to_string(),
            callsign: row.get("callsign").to_string(),
            eni: row.get("eni").to_string(),
            ship_class: row.get("ship_class").to_string(),
            muck_carrier: boolean("muck_carrier", row.get("muck_carrier"))?,
            max_draught_m: number("max_draught_m", row.get("max_draught_m"), 0.0..=30.0)?,
            passenger_capacity: count("passenger_capacity", row.get("passenger_capacity"))?,
            crew_capacity: count("crew_capacity", row.get("crew_capacity"))?,
            permits: permits(row.get("permits"))?,
            owner: row.get("owner").to_string(),
        };
        if let Some(first) = seen.insert(v.mmsi, line) {
            return Err((
                Some("mmsi"),
                format!("MMSI {} already registered on line {first}", v.mmsi),
            ));
        }
        out.value.insert(v);
        Ok(())
    });
    out
}

/// Reads `watchlist.csv` (DESIGN.md "Watchlist").
pub fn load_watchlist(text: &str) -> Loaded<Watchlist> {
    let mut out = Loaded::<Watchlist>::default();
    for_rows(text, &WATCHLIST_COLUMNS, &mut out.errors, |_, row| {
        let until = match row.get("until") {
            "" => None,
            s => Some(date(s).ok_or((Some("until"), format!("not a date: {s:?}")))?),
        };
        out.value.insert(WatchEntry {
            mmsi: mmsi(row.get("mmsi"))?,
            reason: row.get("reason").to_string(),
            zones: row
                .get("zones")
                .split(';')
                .map(str::trim)
                .filter(|z| !z.is_empty())
                .map(str::to_string)
                .collect(),
            until,
        });
        Ok(())
    });
    out
}

type FieldError = (Option<&'static str>, String);

/// One data row, fields by column name.
struct Row<'a> {
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map_or("", str::trim)
    }
}

/// Calls `f` for every data row; header problems and `f`'s errors become [`RowError`]s.
fn for_rows(
    text: &str,
    required: &[&str],
    errors: &mut Vec<RowError>,
    mut f: impl FnMut(u64, &Row<'_>) -> Result<(), FieldError>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errors.push(RowError {
                line: 1,
                field: None,
                reason: format!("unreadable header: {e}"),
            });
            return;
        }
    };
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !columns.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        errors.push(RowError {
            line: 1,
            field: None,
            reason: format!("missing column(s) {}", missing.join(", ")),
        });
        if missing.contains(&"mmsi") {
            return;
        }
    }
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.push(RowError {
                    line: e.position().map_or(line, |p| p.line()),
                    field: None,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            errors.push(RowError {
                line,
                field: None,
                reason: format!("{} fields, the header has {}", record.len(), header.len()),
            });
            continue;
        }
        let row = Row {
            columns: &columns,
            record: &record,
        };
        if let Err((field, reason)) = f(line, &row) {
            errors.push(RowError {
                line,
                field: field.map(str::to_string),
                reason,
            });
        }
    }
}

fn mmsi(s: &str) -> Result<u32, FieldError> {
    match s.parse::<u32>() {
        Ok(m) if s.len() == 9 => Ok(m),
        _ => Err((Some("mmsi"), format!("not a 9-digit MMSI: {s:?}"))),
    }
}

fn boolean(field: &'static str, s: &str) -> Result<bool, FieldError> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Ok(true),
        "false" | "no" | "0" | "n" | "" => Ok(false),
        _ => Err((Some(field), format!("not true/false: {s:?}"))),
    }
}

fn number(
    field: &'static str,
    s: &str,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Option<f64>, FieldError> {
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if range.contains(&v) => Ok(Some(v)),
        _ => Err((
            Some(field),
            format!("not a number in {}..={}: {s:?}", range.start(), range.end()),
        )),
    }
}

fn count(field: &'static str, s: &str) -> Result<Option<u32>, FieldError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u32>()
        .map(Some)
        .map_err(|_| (Some(field), format!("not a whole number: {s:?}")))
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// `KIND:YYYY-MM-DD..YYYY-MM-DD;...`; either date may be empty (open-ended).
fn permits(s: &str) -> Result<Vec<Permit>, FieldError> {
    let mut out = Vec::new();
    for p in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            (
                Some("permits"),
                format!("not KIND:YYYY-MM-DD..YYYY-MM-DD: {p:?}"),
            )
        };
        let (kind, range) = p.split_once(':').ok_or_else(bad)?;
        let (from, until) = range.split_once("..").ok_or_else(bad)?;
        let day = |d: &str| -> Result<Option<NaiveDate>, FieldError> {
            match d.trim() {
                "" => Ok(None),
                d => date(d).map(Some).ok_or_else(bad),
            }
        };
        let valid = Validity {
            from: day(from)?,
            until: day(until)?,
        };
        if let (Some(f), Some(u)) = (valid.from, valid.until)
            && f > u
        {
            return Err((
                Some("permits"),
                format!("{p:?}: the permit ends before it starts"),
            ));
        }
        let kind = kind.trim();
        if kind.is_empty() {
            return Err(bad());
        }
        out.push(Permit {
            kind: kind.to_string(),
            valid,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "mmsi,name,callsign,eni,ship_class,muck_carrier,max_draught_m,passenger_capacity,crew_capacity,permits,owner\n";

    fn day_ms(d: &str) -> i64 {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map_or(0, |t| t.and_utc().timestamp_millis())
    }

    #[test]
    fn loads_good_rows_and_reports_bad_ones_by_line_and_field() {
        let text = format!(
            "{HEADER}\
413000001,HUO 1,BQAA1,04300001,muck_carrier,true,3.2,0,4,muck_transport:2026-01-01..2026-12-31,\"Hang, Co\"\n\
41300000X,BAD,,,cargo,false,2.0,0,3,,x\n\
413000002,HUO 2,,,muck_carrier,maybe,3.0,0,3,,x\n\
413000003,HUO 3,,,cargo,false,3.0,0,3,muck_transport:2026-13-01..2026-12-31,x\n\
413000004,KE 4,,,passenger,false,1.9,60,4,,x\n\
413000001,DUP,,,cargo,false,3.0,0,3,,x\n\
413000005,SHORT\n"
        );
        let r = load_registry(&text);
        let errs: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            [
                "line 3, field mmsi: not a 9-digit MMSI: \"41300000X\"",
                "line 4, field muck_carrier: not true/false: \"maybe\"",
                "line 5, field permits: not KIND:YYYY-MM-DD..YYYY-MM-DD: \"muck_transport:2026-13-01..2026-12-31\"",
                "line 7, field mmsi: MMSI 413000001 already registered on line 2",
                "line 8: 2 fields, the header has 11",
            ]
        );
        assert_eq!(r.value.len(), 2);
        let v = r.value.get(413000001).expect("registered");
        assert_eq!(v.owner, "Hang, Co");
        assert!(v.muck_carrier);
        assert_eq!(v.max_draught_m, Some(3.2));
        assert!(v.has_permit("muck_transport", day_ms("2026-12-31")));
        assert!(!v.has_permit("muck_transport", day_ms("2027-01-01")));
        assert!(!v.has_permit("muck_transport", day_ms("2025-12-31")));
        assert_eq!(
            r.value.get(413000004).and_then(|v| v.passenger_capacity),
            Some(60)
        );
    }

    #[test]
    fn a_missing_column_is_one_error_on_line_1() {
        let r = load_registry("mmsi,name\n413000001,A\n");
        assert_eq!(r.errors[0].line, 1);
        assert!(r.errors[0].reason.contains("callsign"), "{:?}", r.errors);
        assert_eq!(r.value.len(), 1);
        let r = load_registry("name\nA\n");
        assert_eq!(r.errors.len(), 1);
        assert!(r.value.is_empty());
    }

    #[test]
    fn watchlist_until_is_inclusive_and_zones_split() {
        let w = load_watchlist(
            "mmsi,reason,zones,until\n\
             413000001,fines,dock-1; nb-2,2026-11-30\n\
             413000002,dumping,,\n\
             413000003,x,,30/11/2026\n",
        );
        assert_eq!(w.errors.len(), 1);
        assert_eq!(
            w.errors[0].to_string(),
            "line 4, field until: not a date: \"30/11/2026\""
        );
        let e = &w.value.get(413000001)[0];
        assert_eq!(e.zones, ["dock-1", "nb-2"]);
        assert!(e.active_at(day_ms("2026-11-30")));
        assert!(!e.active_at(day_ms("2026-12-01")));
        assert!(w.value.get(413000002)[0].active_at(day_ms("2099-01-01")));
        assert!(w.value.get(413000009).is_empty());
    }
}
