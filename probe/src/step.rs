//! Per-step bookkeeping: time limits under the overall budget, failures, evidence and redaction.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::model::{Credentials, ProbeOptions};
use crate::redact::Redactor;
use crate::report::{
    Category, DetailCode, Evidence, Failure, Field, Outcome, ProbeReport, StepName, StepReport,
    TlsFacts,
};
use crate::tap::clip;

/// Longest evidence line kept.
pub const MAX_LINE: usize = 300;

/// Why a step failed, before it is put into the report.
#[derive(Debug, Clone)]
pub struct Fail {
    pub category: Category,
    pub code: DetailCode,
    pub detail: String,
    pub field: Option<Field>,
    pub line: Option<String>,
    pub tls: Option<TlsFacts>,
}

impl Fail {
    pub fn new(
        category: Category,
        code: DetailCode,
        detail: impl Into<String>,
        field: Option<Field>,
    ) -> Self {
        Self {
            category,
            code,
            detail: detail.into(),
            field,
            line: None,
            tls: None,
        }
    }

    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.line = Some(clip(&line.into(), MAX_LINE));
        self
    }

    pub fn tls(mut self, tls: Option<TlsFacts>) -> Self {
        self.tls = tls;
        self
    }
}

/// Time limits: each network action gets the step timeout, capped by what is left of the budget.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub step: Duration,
    pub deadline: Instant,
}

/// How long a polite LOGOUT or QUIT may take.
pub const CLOSE: Duration = Duration::from_secs(crate::defaults::CLOSE_TIMEOUT_SECS);

/// Runs a polite goodbye (LOGOUT, QUIT) for at most [`CLOSE`]; its outcome does not matter.
pub async fn close<F: Future>(goodbye: F) {
    let _ = tokio::time::timeout(CLOSE, goodbye).await;
}

impl Clock {
    pub fn new(opts: &ProbeOptions) -> Self {
        Self {
            step: opts.step_timeout,
            deadline: Instant::now() + opts.overall_budget,
        }
    }

    /// The limit for the next action.
    pub fn limit(&self) -> Duration {
        self.step
            .min(self.deadline.saturating_duration_since(Instant::now()))
    }

    /// Runs `fut` under the current limit; on timeout builds the failure with `on_timeout`.
    pub async fn run<F, T>(
        &self,
        fut: F,
        on_timeout: impl FnOnce(Duration, bool) -> Fail,
    ) -> Result<T, Fail>
    where
        F: Future<Output = Result<T, Fail>>,
    {
        let limit = self.limit();
        let budget_bound = limit < self.step;
        match tokio::time::timeout(limit, fut).await {
            Ok(r) => r,
            Err(_) => Err(on_timeout(limit, budget_bound)),
        }
    }
}

/// Text for a timeout, naming whether the step limit or the overall budget ran out.
pub fn timeout_text(what: &str, limit: Duration, budget_bound: bool) -> String {
    let bound = if budget_bound {
        "what was left of the probe's overall budget"
    } else {
        "the step timeout"
    };
    format!("{what} within {:.1} s ({bound})", limit.as_secs_f64())
}

/// A running step.
#[derive(Debug)]
pub struct Step {
    pub name: StepName,
    start: Instant,
    pub ev: Evidence,
    pub tls: Option<TlsFacts>,
    /// The static address the step's connection was bound to.
    pub source: Option<String>,
    /// Set when the step's own work ended before a check that reports its own time.
    stopped: Option<Duration>,
}

impl Step {
    pub fn start(name: StepName) -> Self {
        Self {
            name,
            start: Instant::now(),
            ev: Evidence::default(),
            tls: None,
            source: None,
            stopped: None,
        }
    }

    /// Ends a passing step's own timing; what runs after it (a check that notes its own time)
    /// still decides the outcome.
    pub fn stop_clock(&mut self) {
        self.stopped.get_or_insert(self.start.elapsed());
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.ev.notes.push(clip(&note.into(), MAX_LINE));
    }

    pub fn finish(self, res: Result<(), Fail>, creds: &Credentials) -> StepReport {
        // A failed step reports the time to its verdict.
        let elapsed = match (&res, self.stopped) {
            (Ok(()), Some(own)) => own,
            _ => self.start.elapsed(),
        };
        let elapsed_ms = elapsed.as_millis() as u64;
        let mut ev = self.ev;
        let mut tls = self.tls;
        let failure = match res {
            Ok(()) => None,
            Err(f) => {
                if f.line.is_some() {
                    ev.failing_line = f.line;
                }
                if f.tls.is_some() {
                    tls = f.tls;
                }
                Some(Failure {
                    category: f.category,
                    detail_code: f.code,
                    detail: f.detail,
                    field: f.field,
                })
            }
        };
        let mut report = StepReport {
            name: self.name,
            outcome: if failure.is_some() {
                Outcome::Failed
            } else {
                Outcome::Passed
            },
            elapsed_ms,
            evidence: ev,
            tls,
            failure,
            source: self.source,
        };
        redact_report(&mut report, creds);
        report
    }
}

/// Removes the password (as typed, IMAP-quoted, and as it travels in AUTH PLAIN / AUTH LOGIN)
/// from a step.
fn redact_report(r: &mut StepReport, creds: &Credentials) {
    let redactor = Redactor::new(creds);
    let fix = |s: &mut String| redactor.apply(s);
    let ev = &mut r.evidence;
    ev.greeting.iter_mut().for_each(fix);
    ev.failing_line.iter_mut().for_each(fix);
    ev.capabilities.iter_mut().for_each(fix);
    ev.notes.iter_mut().for_each(fix);
    if let Some(f) = r.failure.as_mut() {
        fix(&mut f.detail);
    }
}

/// Settled steps, handed to `on_step` in seed order as soon as every earlier step is settled.
pub struct Ordered<F> {
    inner: Mutex<(F, [Option<StepReport>; 5], usize)>,
}

impl<F: FnMut(&StepReport)> Ordered<F> {
    pub fn new(on_step: F) -> Self {
        Self {
            inner: Mutex::new((on_step, Default::default(), 0)),
        }
    }

    pub fn settle(&self, report: StepReport) {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (on_step, slots, next) = &mut *guard;
        let at = report.name as usize;
        slots[at] = Some(report);
        while let Some(Some(r)) = slots.get(*next) {
            on_step(r);
            *next += 1;
        }
    }

    pub fn skip(&self, names: &[StepName]) {
        names
            .iter()
            .for_each(|n| self.settle(StepReport::skipped(*n)));
    }

    pub fn report(self, start: Instant) -> ProbeReport {
        let (_, slots, _) = self
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let steps = slots.into_iter().flatten().collect();
        ProbeReport::from_steps(steps, start.elapsed().as_millis() as u64)
    }
}
