mod admin;
mod bot_process;
mod checklist_edits;
mod dialogue;
mod e2e;
mod fake_api;
mod fake_api_selftest;
mod faults;
mod helpers;
mod history;
mod hostile;
mod instances;
mod languages;
mod notes;
mod operator;
mod plan;
mod privacy;
mod reminders;
mod two_checklists;

/// Every test here talks plain HTTP on loopback, yet each `Bot` that
/// teloxide_tests builds (one for every batch of updates it dispatches) makes
/// a native-tls client, which parses the system's whole certificate bundle:
/// ~60 ms of OpenSSL 3 decoding a time, 80 % of a dialogue test's CPU. An
/// empty bundle makes that nothing. Set before `main`, while no other thread
/// can be reading the environment. The bot processes the tests start inherit
/// it; they too speak plain HTTP, to the fake Bot API.
#[ctor::ctor(unsafe)]
fn no_certificate_bundle() {
    std::env::set_var("SSL_CERT_FILE", "/dev/null");
}
