//! Tower cameras as evidence: the cameras and where they look ([`camera`]), where a vessel
//! falls in a camera's frame and how to point a PTZ head at it ([`view`]), what an uploaded
//! snapshot must be to be taken ([`snapshot`]), and tamper-evident storage of the images
//! ([`evidence`]); marked copies of frames for officers ([`annotate`], in the [`font`] found
//! on the machine) and simulated cameras' views ([`render`]).
//!
//! Knows nothing of the other crates: positions are plain (lon, lat) in WGS84 degrees.

pub mod annotate;
pub mod camera;
pub mod evidence;
pub mod font;
pub mod render;
pub mod snapshot;
pub mod view;
