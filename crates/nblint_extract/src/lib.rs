//! `nblint extract`: an evcxr notebook becomes a Cargo crate that behaves the same: items in
//! modules (one per markdown section), each code cell a function whose parameters are the
//! values it uses from earlier cells, and a `main` that runs the steps in notebook order.

pub mod manifest;
pub mod naming;
