//! nblint's end-to-end tests, one test binary (one link instead of one per suite): the built
//! `nblint` run as a user and as git run it. Each suite is a module; what they share is in
//! [`support`].
#![allow(clippy::unwrap_used)]

mod cli;
mod extract;
mod fix_safety;
mod git;
mod robustness;
mod server;
mod support;
