//! Exports of a finished audit in forms other than chat messages.

pub mod chart;

pub use chart::{chart_height, section_chart, ChartError, ChartLabels, CHART_WIDTH, MAX_SECTIONS};
