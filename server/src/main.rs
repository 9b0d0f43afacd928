//! `server`: the web app (default) and the administrators' commands.

use std::process::ExitCode;

use clap::Parser;
use server::cli::{Cli, Command};
use server::{audit_cli, first_admin, probe_cli, serve};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // `probe --json` owns stdout: its logs go to stderr.
    let logs_to_stderr = matches!(cli.command, Some(Command::Probe(_)));
    let logs = tracing_subscriber::fmt().with_env_filter(server::logging::from_env());
    if logs_to_stderr {
        logs.with_writer(std::io::stderr).init();
    } else {
        logs.init();
    }
    let outcome = match cli.command.unwrap_or_default() {
        Command::Serve(args) => serve::run(&cli.database, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::CreateAdmin(args) => first_admin::create_admin_command(&cli.database, args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Probe(args) => return probe_cli::run(args).await,
        Command::Audit(args) => audit_cli::run(&cli.database, args).await,
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
