mod dialogue;
mod e2e;
mod fake_api;
mod fake_api_selftest;
mod helpers;
mod operator;
mod privacy;
