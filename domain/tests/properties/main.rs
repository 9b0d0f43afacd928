//! Property tests for every parser and validator of the domain crate: no input panics,
//! canonical forms parse back to themselves, and generated valid input always parses.

mod account;
mod checkbox;
mod cidr;
mod form;
mod names;
mod strategies;
mod values;
