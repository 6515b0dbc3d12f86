//! The operator's export: CSV tables of every audit, written row by row to
//! files (never held whole in memory), each file at most a given size —
//! Telegram takes documents up to 50 MB — and numbered when there are
//! several. Same form as the report CSV: UTF-8 with BOM, `;`, a header row
//! in every file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use super::csv::{as_text, CSV_DELIMITER};
use super::{ExportError, ExportLabels};
use crate::i18n::Locale;

/// Under Telegram's 50 MB for a document, with room for the multipart
/// envelope.
pub const MAX_PART_BYTES: u64 = 49 * 1024 * 1024;

const BOM: &[u8] = "\u{feff}".as_bytes();

/// The words of the export, from the locale.
#[derive(Debug, Clone)]
pub struct BulkLabels {
    pub answers_file: String,
    pub plans_file: String,
    pub answers_header: Vec<String>,
    pub plans_header: Vec<String>,
    pub status_in_progress: String,
    pub status_finished: String,
    pub status_abandoned: String,
    /// Answers, priorities and done as the report files write them.
    pub report: ExportLabels,
}

impl BulkLabels {
    pub fn new(i18n: &Locale) -> Self {
        let t = |key: &str| i18n.t(key);
        Self {
            answers_file: t("export-file-answers"),
            plans_file: t("export-file-plans"),
            answers_header: [
                "export-col-audit",
                "export-col-user-id",
                "export-col-name",
                "export-col-username",
                "export-col-checklist",
                "export-col-version",
                "export-col-language",
                "export-col-source",
                "export-col-started",
                "export-col-finished",
                "export-col-status",
                "report-file-col-question-id",
                "report-file-col-question",
                "report-file-col-answer",
                "report-file-col-priority",
                "report-file-col-note",
            ]
            .map(t)
            .to_vec(),
            plans_header: [
                "export-col-audit",
                "report-file-col-zone",
                "report-file-col-priority",
                "report-file-col-solution",
                "report-file-col-owner",
                "report-file-col-deadline",
                "report-file-col-done",
            ]
            .map(t)
            .to_vec(),
            status_in_progress: t("export-status-in-progress"),
            status_finished: t("export-status-finished"),
            status_abandoned: t("export-status-abandoned"),
            report: ExportLabels::new(i18n),
        }
    }
}

/// Counts what goes through, so a part knows its size without asking the
/// file system.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A CSV table written into `<dir>/<stem>.csv`, or, past `limit` bytes,
/// into `<stem>-1.csv`, `<stem>-2.csv`, … each with the header.
pub struct PartedCsv {
    dir: PathBuf,
    stem: String,
    header: Vec<String>,
    limit: u64,
    parts: Vec<PathBuf>,
    writer: Option<::csv::Writer<Counting<BufWriter<File>>>>,
    rows: u64,
}

impl PartedCsv {
    pub fn new(dir: &Path, stem: &str, header: Vec<String>, limit: u64) -> Self {
        Self {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            header,
            limit,
            parts: Vec::new(),
            writer: None,
            rows: 0,
        }
    }

    fn open_part(&mut self) -> Result<(), ExportError> {
        let path = self
            .dir
            .join(format!("{}-{}.csv", self.stem, self.parts.len() + 1));
        let mut file = Counting {
            inner: BufWriter::new(File::create(&path)?),
            written: 0,
        };
        file.write_all(BOM)?;
        let mut writer = WriterBuilder::new()
            .delimiter(CSV_DELIMITER)
            .quote_style(QuoteStyle::Necessary)
            .terminator(Terminator::CRLF)
            .from_writer(file);
        writer.write_record(&self.header)?;
        self.parts.push(path);
        self.writer = Some(writer);
        Ok(())
    }

    /// Writes one row, starting a new part first if this one is full.
    pub fn row(&mut self, fields: &[&str]) -> Result<(), ExportError> {
        let full = match &mut self.writer {
            None => true,
            Some(w) => {
                w.flush()?;
                w.get_ref().written >= self.limit
            }
        };
        if full {
            if let Some(mut w) = self.writer.take() {
                w.flush()?;
            }
            self.open_part()?;
        }
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| std::io::Error::other("no part of the export is open"))?;
        writer.write_record(fields.iter().map(|f| as_text(f)).map(|f| f.into_owned()))?;
        self.rows += 1;
        Ok(())
    }

    /// Closes the table; returns its files in order (one without a number
    /// when there is one) and the number of rows.
    pub fn finish(mut self) -> Result<(Vec<PathBuf>, u64), ExportError> {
        if self.writer.is_none() && self.parts.is_empty() {
            self.open_part()?;
        }
        if let Some(mut w) = self.writer.take() {
            w.flush()?;
        }
        if let [only] = self.parts.as_slice() {
            let single = self.dir.join(format!("{}.csv", self.stem));
            std::fs::rename(only, &single)?;
            self.parts = vec![single];
        }
        Ok((self.parts, self.rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> String {
        let bytes = std::fs::read(path).expect("read");
        assert!(bytes.starts_with(BOM));
        String::from_utf8(bytes[BOM.len()..].to_vec()).expect("utf-8")
    }

    #[test]
    fn one_small_table_is_one_file_without_a_number() {
        let dir = tempfile::tempdir().expect("dir");
        let mut csv = PartedCsv::new(dir.path(), "answers", vec!["a".into(), "b".into()], 1000);
        csv.row(&["1", "=SUM(A1)"]).expect("row");
        csv.row(&["2", "x;y"]).expect("row");
        let (files, rows) = csv.finish().expect("finish");
        assert_eq!(rows, 2);
        assert_eq!(files, [dir.path().join("answers.csv")]);
        assert_eq!(read(&files[0]), "a;b\r\n1;'=SUM(A1)\r\n2;\"x;y\"\r\n");
    }

    #[test]
    fn a_large_table_is_split_into_numbered_parts_each_with_the_header() {
        let dir = tempfile::tempdir().expect("dir");
        let mut csv = PartedCsv::new(dir.path(), "answers", vec!["n".into()], 100);
        for i in 0..100 {
            csv.row(&[&format!("row {i:03}")]).expect("row");
        }
        let (files, rows) = csv.finish().expect("finish");
        assert_eq!(rows, 100);
        assert!(files.len() > 1, "{files:?}");
        let mut seen = Vec::new();
        for (i, file) in files.iter().enumerate() {
            assert_eq!(file, &dir.path().join(format!("answers-{}.csv", i + 1)));
            let size = std::fs::metadata(file).expect("meta").len();
            // A part stops at the first row past the limit.
            assert!(size <= 100 + 20, "{size}");
            let text = read(file);
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("n"));
            seen.extend(lines.map(str::to_string));
        }
        let expected: Vec<String> = (0..100).map(|i| format!("row {i:03}")).collect();
        assert_eq!(seen, expected);
    }
}
