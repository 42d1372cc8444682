//! Zones: what `zones.geojson` holds (DESIGN.md "Zones"), loaded feature by feature so
//! that one bad zone is reported with its id and reason and never blocks the rest.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use chrono::NaiveDate;
use geo::{Coord, LineString, MultiPolygon, Polygon, Validation};
use rayon::prelude::*;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// What a zone is for; the rules in the detectors key on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ZoneKind {
    Dock,
    MuckLoading,
    ApprovedDump,
    Anchorage,
    NoBerthing,
    Protected,
    SpeedLimit,
    Checkpoint,
    MonitoredArea,
    /// A tower camera's field of view, registered by the binary (DESIGN.md "Evidence").
    CameraFov,
}

impl ZoneKind {
    pub const ALL: [ZoneKind; 10] = [
        ZoneKind::Dock,
        ZoneKind::MuckLoading,
        ZoneKind::ApprovedDump,
        ZoneKind::Anchorage,
        ZoneKind::NoBerthing,
        ZoneKind::Protected,
        ZoneKind::SpeedLimit,
        ZoneKind::Checkpoint,
        ZoneKind::MonitoredArea,
        ZoneKind::CameraFov,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Dock => "dock",
            ZoneKind::MuckLoading => "muck_loading",
            ZoneKind::ApprovedDump => "approved_dump",
            ZoneKind::Anchorage => "anchorage",
            ZoneKind::NoBerthing => "no_berthing",
            ZoneKind::Protected => "protected",
            ZoneKind::SpeedLimit => "speed_limit",
            ZoneKind::Checkpoint => "checkpoint",
            ZoneKind::MonitoredArea => "monitored_area",
            ZoneKind::CameraFov => "camera_fov",
        }
    }

    pub fn parse(s: &str) -> Option<ZoneKind> {
        ZoneKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Checkpoints are lines (gates); every other kind is an area.
    pub fn is_gate(self) -> bool {
        self == ZoneKind::Checkpoint
    }
}

impl fmt::Display for ZoneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dock's operating licence. Both dates are inclusive UTC calendar days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    pub number: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

impl License {
    /// Whether the licence covers the event time `t_ms` (judged at event time: a licence
    /// that starts next month does not cover today).
    pub fn valid_at(&self, t_ms: i64) -> bool {
        let Some(day) = chrono::DateTime::from_timestamp_millis(t_ms).map(|t| t.date_naive())
        else {
            return false;
        };
        self.valid_from.is_none_or(|f| f <= day) && self.valid_until.is_none_or(|u| day <= u)
    }
}

/// A zone's shape: an area (polygons with holes) or a gate (a line across the river).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Area(MultiPolygon<f64>),
    Gate(LineString<f64>),
}

/// One zone from `zones.geojson`.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    pub kind: ZoneKind,
    pub name: Option<String>,
    pub shape: Shape,
    pub license: Option<License>,
    pub speed_limit_kn: Option<f64>,
}

impl Zone {
    /// Whether a dock is licensed at event time `t_ms` (no licence = unlicensed).
    pub fn licensed_at(&self, t_ms: i64) -> bool {
        self.license.as_ref().is_some_and(|l| l.valid_at(t_ms))
    }
}

/// Why a feature was not loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneProblem {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a GeoJSON FeatureCollection")]
    NotACollection,
    #[error("not a GeoJSON Feature")]
    NotAFeature,
    #[error("missing id (feature id or properties.id, a non-empty string)")]
    MissingId,
    #[error("duplicate id (first used by feature {first_index})")]
    DuplicateId { first_index: usize },
    #[error("missing properties.kind")]
    MissingKind,
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    #[error("missing geometry")]
    MissingGeometry,
    #[error("a {kind} needs a {expected}, not a {found}")]
    WrongGeometry {
        kind: ZoneKind,
        expected: &'static str,
        found: String,
    },
    #[error("bad coordinates: {0}")]
    BadCoordinates(String),
    #[error("unclosed ring: {0}")]
    UnclosedRing(String),
    #[error("invalid polygon: {0}")]
    InvalidPolygon(String),
    #[error("bad licence: {0}")]
    BadLicense(String),
    #[error("bad speed_limit_kn: {0}")]
    BadSpeedLimit(String),
}

/// A feature that did not load: where it is, its id when it has one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", self.place())]
pub struct ZoneError {
    /// Index of the feature in the collection (None: the file as a whole).
    pub index: Option<usize>,
    pub id: Option<String>,
    pub problem: ZoneProblem,
}

impl ZoneError {
    fn place(&self) -> String {
        match (self.index, &self.id) {
            (Some(i), Some(id)) => format!("feature {i} (zone {id:?})"),
            (Some(i), None) => format!("feature {i}"),
            (None, _) => "zones file".to_string(),
        }
    }
}

/// The zones that loaded and the report on those that did not.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub zones: Vec<Zone>,
    pub errors: Vec<ZoneError>,
}

/// A feature with its geometry left as text: coordinates are read straight into
/// positions, not into a JSON tree first.
#[derive(serde::Deserialize)]
struct RawFeature<'a> {
    #[serde(rename = "type")]
    kind: Option<Value>,
    id: Option<Value>,
    properties: Option<Value>,
    #[serde(borrow)]
    geometry: Option<&'a RawValue>,
}

#[derive(serde::Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    coordinates: Option<&'a RawValue>,
}

/// A position: longitude and latitude; an altitude or anything after is ignored.
struct Pos(Coord<f64>);

impl<'de> serde::Deserialize<'de> for Pos {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pos, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[lon, lat]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Pos, A::Error> {
                use serde::de::Error;
                let x: f64 = a
                    .next_element()?
                    .ok_or_else(|| A::Error::custom("no lon"))?;
                let y: f64 = a
                    .next_element()?
                    .ok_or_else(|| A::Error::custom("no lat"))?;
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                if !((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
                    return Err(A::Error::custom("outside WGS84"));
                }
                Ok(Pos(Coord { x, y }))
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(serde::Deserialize)]
struct Collection<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    features: Option<Vec<&'a serde_json::value::RawValue>>,
}

/// Loads a `zones.geojson` text. Every bad feature becomes one [`ZoneError`]; the good ones
/// load regardless.
pub fn load_geojson(text: &str) -> Loaded {
    let mut out = Loaded::default();
    let whole = |problem| ZoneError {
        index: None,
        id: None,
        problem,
    };
    // The collection is split into its features' raw text first; parsing them is the
    // bulk of the work, and they are independent, so all cores share it.
    let collection: Collection<'_> = match serde_json::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            let problem = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => ZoneProblem::NotACollection,
                Err(_) => ZoneProblem::Json(e.to_string()),
            };
            out.errors.push(whole(problem));
            return out;
        }
    };
    let raw = match collection {
        Collection {
            kind: Some(k),
            features: Some(f),
        } if k == "FeatureCollection" => f,
        _ => {
            out.errors.push(whole(ZoneProblem::NotACollection));
            return out;
        }
    };
    let features: Vec<Option<RawFeature<'_>>> = raw
        .par_iter()
        .map(|r| serde_json::from_str(r.get()).ok())
        .collect();
    // Ids first, in file order: the first feature with an id claims it, even when it
    // turns out to be bad, so a later duplicate is reported either way.
    let ids: Vec<Option<String>> = features
        .iter()
        .map(|f| f.as_ref().and_then(feature_id))
        .collect();
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    let duplicate_of: Vec<Option<usize>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let id = id.as_deref()?;
            match first.entry(id) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(i);
                    None
                }
            }
        })
        .collect();
    // Geometry checks are most of the cost: features are independent, so all cores share them.
    let results: Vec<Result<Zone, ZoneProblem>> = features
        .into_par_iter()
        .zip(ids.par_iter())
        .zip(duplicate_of.par_iter())
        .map(|((f, id), dup)| match dup {
            &Some(first_index) => Err(ZoneProblem::DuplicateId { first_index }),
            None => match &f {
                Some(f) => zone_from_feature(f, id.clone()),
                None => Err(ZoneProblem::NotAFeature),
            },
        })
        .collect();
    out.zones.reserve(results.len());
    for ((index, r), id) in results.into_iter().enumerate().zip(ids) {
        match r {
            Ok(z) => out.zones.push(z),
            Err(problem) => out.errors.push(ZoneError {
                index: Some(index),
                id,
                problem,
            }),
        }
    }
    out
}

fn feature_id(f: &RawFeature<'_>) -> Option<String> {
    let from_props = f
        .properties
        .as_ref()
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str);
    let id = match &f.id {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => from_props,
    };
    id.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn zone_from_feature(f: &RawFeature<'_>, id: Option<String>) -> Result<Zone, ZoneProblem> {
    if f.kind.as_ref().and_then(Value::as_str) != Some("Feature") {
        return Err(ZoneProblem::NotAFeature);
    }
    let id = id.ok_or(ZoneProblem::MissingId)?;
    let empty = Map::new();
    let props = f
        .properties
        .as_ref()
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let kind_text = props
        .get("kind")
        .and_then(Value::as_str)
        .ok_or(ZoneProblem::MissingKind)?;
    let kind =
        ZoneKind::parse(kind_text).ok_or_else(|| ZoneProblem::UnknownKind(kind_text.into()))?;
    let geometry = f
        .geometry
        .filter(|g| g.get() != "null")
        .ok_or(ZoneProblem::MissingGeometry)?;
    let shape = shape(kind, geometry)?;
    let license = match props.get("license") {
        None | Some(Value::Null) => None,
        Some(v) => Some(license(v)?),
    };
    let speed_limit_kn = match props.get("speed_limit_kn") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                return Err(ZoneProblem::BadSpeedLimit(format!(
                    "{v} is not a speed in knots"
                )));
            }
        },
    };
    if kind == ZoneKind::SpeedLimit && speed_limit_kn.is_none() {
        return Err(ZoneProblem::BadSpeedLimit(
            "a speed_limit zone needs speed_limit_kn".into(),
        ));
    }
    let name = props
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Zone {
        id,
        kind,
        name,
        shape,
        license,
        speed_limit_kn,
    })
}

fn license(v: &Value) -> Result<License, ZoneProblem> {
    let bad = |s: String| ZoneProblem::BadLicense(s);
    let o = v
        .as_object()
        .ok_or_else(|| bad("not an object {number, valid_from, valid_until}".into()))?;
    let date = |field: &str| -> Result<Option<NaiveDate>, ZoneProblem> {
        match o.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad(format!("{field} {s:?} is not a YYYY-MM-DD date"))),
            Some(other) => Err(bad(format!("{field} {other} is not a YYYY-MM-DD date"))),
        }
    };
    let valid_from = date("valid_from")?;
    let valid_until = date("valid_until")?;
    if let (Some(a), Some(b)) = (valid_from, valid_until)
        && a > b
    {
        return Err(bad(format!("valid_from {a} is after valid_until {b}")));
    }
    let number = match o.get("number") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    Ok(License {
        number,
        valid_from,
        valid_until,
    })
}

fn shape(kind: ZoneKind, g: &RawValue) -> Result<Shape, ZoneProblem> {
    let g: RawGeometry<'_> = serde_json::from_str(g.get())
        .map_err(|_| ZoneProblem::BadCoordinates("geometry is not a GeoJSON geometry".into()))?;
    let gtype = g.kind.as_deref().unwrap_or("?");
    let raw = g.coordinates.map(RawValue::get).unwrap_or("null");
    // The fast path reads positions directly; only a file with a mistake in it pays for a
    // JSON tree, to say exactly where the mistake is.
    let typed = match gtype {
        "LineString" if kind.is_gate() => serde_json::from_str::<Vec<Pos>>(raw)
            .ok()
            .map(|l| Typed::Line(l.into_iter().map(|p| p.0).collect())),
        "Polygon" if !kind.is_gate() => serde_json::from_str::<Vec<Vec<Pos>>>(raw)
            .ok()
            .map(|p| Typed::Polygons(vec![p])),
        "MultiPolygon" if !kind.is_gate() => serde_json::from_str::<Vec<Vec<Vec<Pos>>>>(raw)
            .ok()
            .map(Typed::Polygons),
        _ => None,
    };
    if let Some(t) = typed
        && let Some(shape) = typed_shape(t)?
    {
        return Ok(shape);
    }
    let coords_value: Option<Value> = serde_json::from_str(raw).ok();
    let coords = coords_value.as_ref().filter(|v| !v.is_null());
    let wrong = |expected| ZoneProblem::WrongGeometry {
        kind,
        expected,
        found: gtype.to_string(),
    };
    if kind.is_gate() {
        if gtype != "LineString" {
            return Err(wrong("LineString"));
        }
        let line = positions(coords, "line")?;
        if line.len() < 2 {
            return Err(ZoneProblem::BadCoordinates(
                "a checkpoint needs at least 2 points".into(),
            ));
        }
        return Ok(Shape::Gate(LineString::from(line)));
    }
    let polygons = match gtype {
        "Polygon" => vec![polygon(coords, 0)?],
        "MultiPolygon" => {
            let parts = coords
                .and_then(Value::as_array)
                .ok_or_else(|| ZoneProblem::BadCoordinates("not an array of polygons".into()))?;
            if parts.is_empty() {
                return Err(ZoneProblem::BadCoordinates("no polygons".into()));
            }
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(Some(p), i))
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => return Err(wrong("Polygon or MultiPolygon")),
    };
    valid_area(MultiPolygon(polygons))
}

fn valid_area(mp: MultiPolygon<f64>) -> Result<Shape, ZoneProblem> {
    // Most zones are one simple ring: prove that quickly; anything else, and anything the
    // quick check cannot prove, goes to `geo`'s full validation (which names the problem).
    if let [p] = mp.0.as_slice()
        && p.interiors().is_empty()
        && simple_ring(&p.exterior().0)
    {
        return Ok(Shape::Area(mp));
    }
    if proven_valid(&mp) {
        return Ok(Shape::Area(mp));
    }
    if let Some(e) = mp.validation_errors().into_iter().next() {
        return Err(ZoneProblem::InvalidPolygon(e.to_string()));
    }
    Ok(Shape::Area(mp))
}

/// Whether a closed ring is certainly simple: at least three distinct corners, no edge of
/// length zero, adjacent edges meeting only at their shared corner, and no two other edges
/// touching at all (robust orientation tests, edges swept in x order). `false` means "not
/// proven", not "invalid".
///
/// Hand-written because `geo`'s validation compares every pair of edges and was a quarter
/// of the time to load 100 k zones; this sweep compares only edges whose boxes overlap.
fn simple_ring(ring: &[Coord<f64>]) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let n = ring.len().saturating_sub(1); // edges; the last position repeats the first
    if n < 3 || ring.first() != ring.last() {
        return false;
    }
    let edge = |i: usize| (ring[i], ring[i + 1]);
    let orient = |a, b, c| RobustKernel::orient2d(a, b, c);
    for i in 0..n {
        let (a, b) = edge(i);
        if a == b {
            return false;
        }
        // Adjacent edges: not folding back onto each other.
        let (_, c) = edge((i + 1) % n);
        if orient(a, b, c) == Orientation::Collinear
            && (c.x - b.x) * (b.x - a.x) + (c.y - b.y) * (b.y - a.y) <= 0.0
        {
            return false;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    let min_x = |i: usize| ring[i].x.min(ring[i + 1].x);
    order.sort_by(|&i, &j| min_x(i).total_cmp(&min_x(j)));
    for (k, &i) in order.iter().enumerate() {
        let (a, b) = edge(i);
        let (ax, bx) = (a.x.max(b.x), (a.y.min(b.y), a.y.max(b.y)));
        for &j in &order[k + 1..] {
            if min_x(j) > ax {
                break;
            }
            if j == (i + 1) % n || i == (j + 1) % n {
                continue;
            }
            let (c, d) = edge(j);
            if c.y.max(d.y) < bx.0 || c.y.min(d.y) > bx.1 {
                continue;
            }
            let (o1, o2) = (orient(a, b, c), orient(a, b, d));
            let (o3, o4) = (orient(c, d, a), orient(c, d, b));
            let apart = |p: Orientation, q: Orientation| p != Orientation::Collinear && p == q;
            // Unless one edge lies strictly on one side of the other, they may touch.
            if !(apart(o1, o2) || apart(o3, o4)) {
                return false;
            }
        }
    }
    true
}

/// Whether a polygon with holes, or a multipolygon, is certainly valid: every ring simple,
/// no two rings touching, each hole inside its own exterior and outside the other holes,
/// no part inside another. `false` means "not proven" (an island in a lake, a hole
/// touching its exterior at a corner: `geo` decides). `geo`'s validation of the docks with
/// holes or in two parts was ~0.2 s of CPU in loading 100 k zones.
fn proven_valid(mp: &MultiPolygon<f64>) -> bool {
    let rings: Vec<&[Coord<f64>]> =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| r.0.as_slice())
            .collect();
    if mp.0.is_empty() || !rings.iter().all(|r| simple_ring(r)) || rings_may_touch(&rings) {
        return false;
    }
    // Rings that do not touch: any one corner tells whether one ring lies inside another.
    let corner = |r: &LineString<f64>| r.0[0];
    mp.0.iter().enumerate().all(|(i, p)| {
        let holes_ok = p.interiors().iter().enumerate().all(|(k, h)| {
            inside_ring(&p.exterior().0, corner(h))
                && p.interiors()
                    .iter()
                    .enumerate()
                    .all(|(m, o)| m == k || !inside_ring(&o.0, corner(h)))
        });
        holes_ok
            && mp
                .0
                .iter()
                .enumerate()
                .all(|(j, q)| j == i || !inside_ring(&q.exterior().0, corner(p.exterior())))
    })
}

/// Whether an edge of one ring may touch an edge of another (edges swept in x order).
fn rings_may_touch(rings: &[&[Coord<f64>]]) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let orient = |a, b, c| RobustKernel::orient2d(a, b, c);
    let mut edges: Vec<(usize, Coord<f64>, Coord<f64>)> = rings
        .iter()
        .enumerate()
        .flat_map(|(k, r)| r.windows(2).map(move |w| (k, w[0], w[1])))
        .collect();
    let min_x = |e: &(usize, Coord<f64>, Coord<f64>)| e.1.x.min(e.2.x);
    edges.sort_by(|e, f| min_x(e).total_cmp(&min_x(f)));
    for (n, &(ring, a, b)) in edges.iter().enumerate() {
        let (ax, (ylo, yhi)) = (a.x.max(b.x), (a.y.min(b.y), a.y.max(b.y)));
        for f in &edges[n + 1..] {
            if min_x(f) > ax {
                break;
            }
            let &(other, c, d) = f;
            if other == ring || c.y.max(d.y) < ylo || c.y.min(d.y) > yhi {
                continue;
            }
            let apart = |p: Orientation, q: Orientation| p != Orientation::Collinear && p == q;
            if !(apart(orient(a, b, c), orient(a, b, d)) || apart(orient(c, d, a), orient(c, d, b)))
            {
                return true;
            }
        }
    }
    false
}

/// Whether `p`, which is on no edge of the closed `ring`, lies inside it: the crossing
/// number with the side of each edge decided by the robust orientation test.
fn inside_ring(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a.y <= p.y) != (b.y <= p.y) {
            // The edge crosses the horizontal through p; is the crossing right of p?
            let o = RobustKernel::orient2d(a, b, p);
            let right = if b.y > a.y {
                o == Orientation::CounterClockwise
            } else {
                o == Orientation::Clockwise
            };
            inside ^= right;
        }
    }
    inside
}

enum Typed {
    Line(Vec<Coord<f64>>),
    Polygons(Vec<Vec<Vec<Pos>>>),
}

/// The shape from positions read directly, or None when something needs the detailed
/// path (which gives the precise error).
fn typed_shape(t: Typed) -> Result<Option<Shape>, ZoneProblem> {
    match t {
        Typed::Line(l) if l.len() >= 2 => Ok(Some(Shape::Gate(LineString::from(l)))),
        Typed::Line(_) => Ok(None),
        Typed::Polygons(parts) => {
            let closed =
                |r: &Vec<Pos>| r.len() >= 4 && r.first().map(|p| p.0) == r.last().map(|p| p.0);
            if parts.is_empty() || parts.iter().any(|p| p.is_empty() || !p.iter().all(closed)) {
                return Ok(None);
            }
            let polygons = parts
                .into_iter()
                .map(|rings| {
                    let mut rings = rings
                        .into_iter()
                        .map(|r| LineString::from(r.into_iter().map(|p| p.0).collect::<Vec<_>>()));
                    let exterior = rings.next().unwrap_or_else(|| LineString::new(vec![]));
                    Polygon::new(exterior, rings.collect())
                })
                .collect();
            valid_area(MultiPolygon(polygons)).map(Some)
        }
    }
}

fn polygon(v: Option<&Value>, part: usize) -> Result<Polygon<f64>, ZoneProblem> {
    let rings = v.and_then(Value::as_array).ok_or_else(|| {
        ZoneProblem::BadCoordinates(format!("polygon {part}: not an array of rings"))
    })?;
    if rings.is_empty() {
        return Err(ZoneProblem::BadCoordinates(format!(
            "polygon {part}: no rings"
        )));
    }
    let mut out = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let what = if r == 0 {
            format!("polygon {part} exterior ring")
        } else {
            format!("polygon {part} hole {r}")
        };
        let pts = positions(Some(ring), &what)?;
        if pts.len() < 4 {
            return Err(ZoneProblem::InvalidPolygon(format!(
                "{what} has {} positions, a ring needs at least 4",
                pts.len()
            )));
        }
        if pts.first() != pts.last() {
            return Err(ZoneProblem::UnclosedRing(format!(
                "{what}: the last position must repeat the first"
            )));
        }
        out.push(LineString::from(pts));
    }
    let exterior = out.remove(0);
    Ok(Polygon::new(exterior, out))
}

fn positions(v: Option<&Value>, what: &str) -> Result<Vec<Coord<f64>>, ZoneProblem> {
    let arr = v
        .and_then(Value::as_array)
        .ok_or_else(|| ZoneProblem::BadCoordinates(format!("{what}: not an array of positions")))?;
    arr.iter()
        .enumerate()
        .map(|(k, p)| {
            let xy = p.as_array().filter(|a| a.len() >= 2).and_then(|a| {
                Some(Coord {
                    x: a[0].as_f64()?,
                    y: a[1].as_f64()?,
                })
            });
            match xy {
                Some(c) if (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y) => {
                    Ok(c)
                }
                _ => Err(ZoneProblem::BadCoordinates(format!(
                    "{what}: position {k} is not [lon, lat] in WGS84 degrees: {p}"
                ))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, d: f64) -> String {
        format!(
            "[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]",
            x + d,
            x + d,
            y + d,
            y + d
        )
    }

    #[test]
    fn every_bad_feature_is_reported_and_the_good_ones_load() {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","id":"dock-1","properties":{{"kind":"dock","name":"North wharf",
              "license":{{"number":"L-7","valid_from":"2026-01-01","valid_until":"2026-12-31"}}}},
              "geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","properties":{{"kind":"dock"}},"geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","id":"dock-1","properties":{{"kind":"dock"}},"geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","id":"x","properties":{{"kind":"harbour"}},"geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","id":"bow","properties":{{"kind":"no_berthing"}},"geometry":{{"type":"Polygon","coordinates":
              [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}}},
            {{"type":"Feature","id":"open","properties":{{"kind":"anchorage"}},"geometry":{{"type":"Polygon","coordinates":
              [[[0,0],[1,0],[1,1],[0,1]]]}}}},
            {{"type":"Feature","id":"lic","properties":{{"kind":"dock","license":{{"number":"9","valid_from":"2026-05-01","valid_until":"2026-02-01"}}}},
              "geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","id":"gate-1","properties":{{"kind":"checkpoint"}},"geometry":{{"type":"LineString","coordinates":[[0,0],[0,1]]}}}},
            {{"type":"Feature","id":"gate-2","properties":{{"kind":"checkpoint"}},"geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","id":"slow","properties":{{"kind":"speed_limit"}},"geometry":{{"type":"Polygon","coordinates":{sq}}}}},
            {{"type":"Feature","properties":{{"id":"mp","kind":"protected"}},"geometry":{{"type":"MultiPolygon","coordinates":[{sq},{sq2}]}}}}
            ]}}"#,
            sq = square(0.0, 0.0, 1.0),
            sq2 = square(5.0, 5.0, 1.0),
        );
        let l = load_geojson(&text);
        let ids: Vec<_> = l.zones.iter().map(|z| z.id.as_str()).collect();
        assert_eq!(ids, ["dock-1", "gate-1", "mp"]);
        let report: Vec<String> = l.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            report,
            [
                "feature 1: missing id (feature id or properties.id, a non-empty string)",
                "feature 2 (zone \"dock-1\"): duplicate id (first used by feature 0)",
                "feature 3 (zone \"x\"): unknown kind \"harbour\"",
                "feature 4 (zone \"bow\"): invalid polygon: polygon at index 0 is invalid: exterior ring has a self-intersection",
                "feature 5 (zone \"open\"): unclosed ring: polygon 0 exterior ring: the last position must repeat the first",
                "feature 6 (zone \"lic\"): bad licence: valid_from 2026-05-01 is after valid_until 2026-02-01",
                "feature 8 (zone \"gate-2\"): a checkpoint needs a LineString, not a Polygon",
                "feature 9 (zone \"slow\"): bad speed_limit_kn: a speed_limit zone needs speed_limit_kn",
            ]
        );
    }

    proptest::proptest! {
        /// The quick check never calls a ring simple that `geo` calls invalid; rings on a
        /// small integer grid make touching and collinear cases common.
        #[test]
        fn simple_ring_is_never_wrong(pts in proptest::collection::vec((0i32..6, 0i32..6), 3..12)) {
            let mut ring: Vec<Coord<f64>> =
                pts.iter().map(|&(x, y)| Coord { x: f64::from(x), y: f64::from(y) }).collect();
            ring.push(ring[0]);
            if simple_ring(&ring) {
                let p = Polygon::new(LineString::from(ring.clone()), vec![]);
                proptest::prop_assert!(p.is_valid(), "{:?}", ring);
            }
        }
    }

    proptest::proptest! {
        /// The quick check never calls a polygon with holes or a multipolygon valid that
        /// `geo` calls invalid: rectangles on a small grid as exteriors, holes and parts,
        /// so crossing, touching, nested and disjoint rings are all common.
        #[test]
        fn proven_valid_is_never_wrong(
            parts in proptest::collection::vec(
                proptest::collection::vec((0i32..8, 0i32..8, 1i32..6, 1i32..6), 1..4),
                1..3),
        ) {
            let rect = |&(x, y, w, h): &(i32, i32, i32, i32)| {
                let (x, y, w, h) = (f64::from(x), f64::from(y), f64::from(w), f64::from(h));
                LineString::from(vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)])
            };
            let mp = MultiPolygon(
                parts
                    .iter()
                    .map(|rings| Polygon::new(rect(&rings[0]), rings[1..].iter().map(rect).collect()))
                    .collect(),
            );
            if proven_valid(&mp) {
                proptest::prop_assert!(mp.is_valid(), "{:?}", mp);
            }
        }
    }

    #[test]
    fn proven_valid_proves_ordinary_shapes() {
        let square = |x: f64, y: f64, s: f64| {
            LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)])
        };
        let with_hole = Polygon::new(square(0.0, 0.0, 10.0), vec![square(2.0, 2.0, 3.0)]);
        assert!(proven_valid(&MultiPolygon(vec![with_hole.clone()])));
        let two = vec![
            with_hole.clone(),
            Polygon::new(square(20.0, 0.0, 5.0), vec![]),
        ];
        assert!(proven_valid(&MultiPolygon(two)));
        // A hole outside its exterior, overlapping parts, nested holes: not proven.
        let outside = Polygon::new(square(0.0, 0.0, 10.0), vec![square(12.0, 2.0, 3.0)]);
        assert!(!proven_valid(&MultiPolygon(vec![outside])));
        let overlap = vec![
            with_hole.clone(),
            Polygon::new(square(1.0, 1.0, 0.5), vec![]),
        ];
        assert!(!proven_valid(&MultiPolygon(overlap)));
        let nested = Polygon::new(
            square(0.0, 0.0, 10.0),
            vec![square(1.0, 1.0, 8.0), square(3.0, 3.0, 2.0)],
        );
        assert!(!proven_valid(&MultiPolygon(vec![nested])));
    }

    #[test]
    fn simple_ring_proves_ordinary_shapes() {
        let ring = |pts: &[(f64, f64)]| {
            let mut v: Vec<Coord<f64>> = pts.iter().map(|&(x, y)| Coord { x, y }).collect();
            v.push(v[0]);
            v
        };
        assert!(simple_ring(&ring(&[
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 3.0),
            (2.0, 1.0),
            (0.0, 3.0)
        ])));
        assert!(!simple_ring(&ring(&[
            (0.0, 0.0),
            (1.0, 1.0),
            (1.0, 0.0),
            (0.0, 1.0)
        ])));
        // Touching itself at a corner: not proven (geo decides).
        assert!(!simple_ring(&ring(&[
            (0.0, 0.0),
            (2.0, 0.0),
            (1.0, 1.0),
            (2.0, 2.0),
            (0.0, 2.0),
            (1.0, 1.0)
        ])));
    }

    #[test]
    fn a_broken_file_is_one_error() {
        let l = load_geojson("{\"type\":\"FeatureCollection\",");
        assert_eq!(l.zones.len(), 0);
        assert!(matches!(l.errors[0].problem, ZoneProblem::Json(_)));
        assert_eq!(
            load_geojson("[1]").errors[0].to_string(),
            "zones file: not a GeoJSON FeatureCollection"
        );
    }

    #[test]
    fn licences_are_judged_at_event_time() {
        let l = License {
            number: "L".into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 3, 1),
            valid_until: NaiveDate::from_ymd_opt(2026, 3, 31),
        };
        let ms = |d: &str| {
            chrono::NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S")
                .unwrap()
                .and_utc()
                .timestamp_millis()
        };
        assert!(!l.valid_at(ms("2026-02-28 23:59:59")));
        assert!(l.valid_at(ms("2026-03-01 00:00:00")));
        assert!(l.valid_at(ms("2026-03-31 23:59:59")));
        assert!(!l.valid_at(ms("2026-04-01 00:00:00")));
    }
}
