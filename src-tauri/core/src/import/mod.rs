//! Files people bring: each is read into a plan (what it would add, what clashes, what it could
//! not map) that is shown first and applied only when asked. Everything in them is untrusted.

pub mod case;
