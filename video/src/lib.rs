//! Tower cameras as evidence: fields of view, snapshots, annotation, hashing.
//!
//! Knows nothing of the other crates. Its contents arrive with the video issue.
