//! Persistence: one store trait with SQLite (embedded default) and PostgreSQL.
//!
//! The only crate that touches sqlx. Its contents arrive with the serve issue;
//! `data/demo/` will hold the demo river.
