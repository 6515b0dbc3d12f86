mod fake_api;
mod fake_api_selftest;
