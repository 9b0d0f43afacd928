//! Waiting for the greeting: a STARTTLS port that stays silent is checked for implicit TLS on
//! a second connection.

use std::time::Duration;

use crate::net::{Leg, Raw};
use crate::report::DetailCode;
use crate::resolve::{connect_checked, CheckedAddr};
use crate::step::{timeout_text, Fail};
use crate::tap::{Tap, Transcript};

/// The longest the second connection that looks for implicit TLS may take.
const IMPLICIT_TLS_CHECK: Duration = Duration::from_secs(3);

impl Leg<'_> {
    /// Waits until the server sends its first bytes. For STARTTLS, when the server stays silent
    /// for the sniff time, a second connection checks whether the port speaks implicit TLS.
    pub async fn await_greeting(
        &self,
        raw: &Raw,
        addr: CheckedAddr,
        starttls: bool,
    ) -> Result<(), Fail> {
        let p = self.proto;
        let sniff = self.opts.greeting_sniff.min(self.clock.limit());
        if tokio::time::timeout(sniff, raw.get_ref().readable())
            .await
            .is_ok()
        {
            return Ok(());
        }
        if starttls && self.speaks_implicit_tls(addr).await {
            return Err(p.fail(
                DetailCode::PlaintextOnTlsPort,
                format!(
                    "port {} speaks implicit TLS (it waits for a TLS handshake and sends no {} greeting): choose SSL/TLS",
                    self.ep.port,
                    p.name()
                ),
                p.security_field(),
            ));
        }
        self.clock
            .run(
                async {
                    raw.get_ref().readable().await.map_err(|e| {
                        p.fail(DetailCode::ConnectionLost, e.to_string(), p.host_field())
                    })
                },
                |limit, b| {
                    p.fail(
                        DetailCode::TimedOut,
                        timeout_text("the server sent no greeting", limit, b),
                        p.host_field(),
                    )
                },
            )
            .await
    }

    async fn speaks_implicit_tls(&self, addr: CheckedAddr) -> bool {
        let limit = self.clock.limit().min(IMPLICIT_TLS_CHECK);
        let attempt = async {
            let source = self.source(addr).ok()?;
            let tcp = connect_checked(&self.ep.host, addr, self.opts.guard(), source)
                .await
                .ok()?;
            let raw = Tap::new(tcp, Transcript::new(64, 64 * 1024));
            match self.policy.handshake(&self.ep.host, None, raw).await {
                Ok(_) => Some(true),
                Err((e, seen)) => {
                    let tls_err = e.get_ref().and_then(|x| x.downcast_ref::<rustls::Error>());
                    Some(
                        seen.leaf.is_some()
                            || matches!(tls_err, Some(rustls::Error::AlertReceived(_))),
                    )
                }
            }
        };
        matches!(tokio::time::timeout(limit, attempt).await, Ok(Some(true)))
    }
}
