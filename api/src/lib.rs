//! The officers' HTTP API (axum), auth, live stream, referrals and web console.
//!
//! The only crate that touches axum. Its contents arrive with the serve issue.
