// What the statements in this folder see. Each file here is compiled twice,
// by `include!` in `sqlite.rs` and in `postgres.rs`, each time against that
// backend's `Db`: one text of the SQL (written in the dialect both speak,
// `$1` placeholders), type-checked for both, and no trait gymnastics.
// Each backend module defines `Db`, `DbRow`, `BEGIN_WRITE`, `FOR_UPDATE`,
// `SKIP_LOCKED`, `ONE_COMMAND_BATCH` and `ONE_COMMAND`, and its `Store`
// `writing`, `give_back`, `committed_unflushed`, `flushed`,
// `write_together` and `take_in_group`.

use std::collections::HashMap;

use futures_util::{stream::BoxStream, StreamExt};
use sqlx::Row;

use super::conns::Conns;
use super::{
    date_text, direct, Arg, Fields, OneCommand, now, parse_date, reminders::setting_column, shift_placeholders, source_columns,
    AnswerExportRow, Answers, AuditRecord, Awaiting, Card, NoteTaken, Pending, PendingChange,
    PlanExportRow, PlanUpdate,
    Position, Reminder, ReminderSeries, ReminderSettings, Result, Sql, StorageError, TakeCall, Taken, UserInfo,
};
use crate::domain::audit::{Answer, Change, Priority, Response, Status};
use crate::domain::plan::{PlanEntry, PlanItem, Source};
use crate::domain::schedule::{Due, Kind};

type DbConnection = <Db as sqlx::Database>::Connection;

impl Fields for DbRow {
    fn has(&self, column: &str) -> bool {
        self.try_column(column).is_ok()
    }

    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>> {
        Ok(self.try_get(column)?)
    }

    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn opt_str(&self, column: &str) -> Result<Option<&str>> {
        Ok(self.try_get(column)?)
    }

    fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.try_get(column)?)
    }
}
