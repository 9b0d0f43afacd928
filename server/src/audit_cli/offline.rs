//! `server audit verify --file F --public-key K`: an export checked without the server. The
//! exit status says what was found, so scripts can tell an altered export from an incomplete
//! or an unsigned one.

use std::path::Path;
use std::process::ExitCode;

use storage::{ExportVerdict, Integrity};

use crate::CommandError;

/// Every event is there, unchanged, between the signed start and the signed checkpoint.
const INTACT: u8 = 0;
/// Something present was altered, inserted, or does not verify with the key.
const ALTERED: u8 = 1;
/// The file or the arguments cannot be used (clap uses 2 too).
const BAD_ARGUMENTS: u8 = 2;
/// Events the signatures cover are missing (oldest, newest, or in between).
const MISSING: u8 = 3;
/// No valid signature covers the export, or some of its events.
const UNSIGNED: u8 = 4;

pub fn verify_file(file: &Path, public_key: Option<&str>, allow_unsigned: bool) -> ExitCode {
    match verdict_of(file, public_key) {
        Ok(verdict) => ExitCode::from(report(&verdict, allow_unsigned)),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(BAD_ARGUMENTS)
        }
    }
}

fn verdict_of(file: &Path, public_key: Option<&str>) -> Result<ExportVerdict, CommandError> {
    let key = super::read_key(public_key.ok_or(CommandError::NoPublicKey)?)?;
    let text = std::fs::File::open(file).map_err(CommandError::file("open", file))?;
    let doc: storage::ExportDocument = serde_json::from_reader(std::io::BufReader::new(text))
        .map_err(|source| CommandError::NotAnExport {
            path: file.to_owned(),
            source,
        })?;
    storage::verify_export(&doc, &key).map_err(|source| CommandError::ExportRefused {
        path: file.to_owned(),
        source,
    })
}

/// Prints what was found; returns the exit status.
fn report(verdict: &ExportVerdict, allow_unsigned: bool) -> u8 {
    if !verdict.is_signed() && !allow_unsigned {
        println!("UNSIGNED: {}.", unsigned_reasons(verdict));
        println!(
            "REFUSED: nothing signed vouches for this export. --allow-unsigned checks its chain anyway (it stays UNSIGNED, exit status 4)."
        );
        return UNSIGNED;
    }
    let walked = format!(
        "{} events exported, {} others linked by digest",
        verdict.events, verdict.omitted
    );
    match verdict.integrity() {
        Integrity::Altered | Integrity::Missing => {
            let (label, status) = match verdict.integrity() {
                Integrity::Altered => ("ALTERED", ALTERED),
                _ => ("MISSING", MISSING),
            };
            let problem = verdict
                .problem
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            println!("NOT INTACT — {label}: {problem}");
            status
        }
        Integrity::Unsigned if verdict.is_signed() => {
            println!("NOT COVERED BY A SIGNATURE: {}.", unsigned_reasons(verdict));
            println!("The signed part is intact{}.", signed_span(verdict));
            UNSIGNED
        }
        Integrity::Unsigned => {
            println!("UNSIGNED: {}.", unsigned_reasons(verdict));
            println!(
                "The chain holds together ({walked}), but nothing signed proves it complete or unchanged."
            );
            UNSIGNED
        }
        Integrity::Intact => {
            println!("intact: {walked}{}", signed_span(verdict));
            INTACT
        }
    }
}

fn unsigned_reasons(verdict: &ExportVerdict) -> String {
    let reasons: Vec<String> = verdict.unsigned.iter().map(ToString::to_string).collect();
    reasons.join("; ")
}

/// ", from event #3 up to event #9 signed at …" for what the signatures cover.
fn signed_span(verdict: &ExportVerdict) -> String {
    let start = verdict
        .signed_start
        .map(|seq| format!(", from event #{seq}"))
        .unwrap_or_default();
    match &verdict.checkpoint {
        Some(c) => format!("{start} up to event #{} signed at {}", c.seq, c.signed_at),
        None => format!("{start} (the history was empty)"),
    }
}
