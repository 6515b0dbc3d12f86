/// Statements run in order inside the caller's transaction, each written
/// with its own `$1…`; [`Batch::run`] returns the rows of all of them. On
/// SQLite they reach the database as one command — sqlx runs a query of
/// several statements, numbering `$N` across all of them, so the numbers
/// are shifted here — instead of one hand-off to the connection's thread
/// each. PostgreSQL prepares one statement at a time: there they go one by
/// one.
#[derive(Default)]
struct Batch<'a> {
    statements: Vec<(Sql, Vec<Arg<'a>>)>,
    /// Groups left out where a check finds them moot (see
    /// [`Batch::push_unless`]): the check's index, the group's length.
    skips: Vec<(usize, usize)>,
}

impl<'a> Batch<'a> {
    fn push(&mut self, sql: impl Into<Sql>, args: Vec<Arg<'a>>) {
        self.statements.push((sql.into(), args));
    }

    /// Pushes `check`, then what `group` pushes. Run on this thread (see
    /// `direct`), the group is left out when `check` returns a row; run
    /// elsewhere it is run all the same, so its statements must then write
    /// nothing by themselves: this saves the work of finding that out.
    fn push_unless(
        &mut self,
        check: impl Into<Sql>,
        args: Vec<Arg<'a>>,
        group: impl FnOnce(&mut Self),
    ) {
        let at = self.statements.len();
        self.push(check, args);
        group(self);
        self.skips.push((at, self.statements.len() - at - 1));
    }

    async fn run(self, conn: &mut DbConnection) -> Result<Vec<DbRow>> {
        if !ONE_COMMAND_BATCH {
            let mut rows = Vec::new();
            for (sql, args) in &self.statements {
                let query = args.iter().fold(sqlx::query(sql), bind_arg);
                rows.extend(query.fetch_all(&mut *conn).await?);
            }
            return Ok(rows);
        }
        let mut sql = String::new();
        let mut offset = 0;
        for (statement, args) in &self.statements {
            shift_placeholders(statement, offset, &mut sql);
            sql.push_str(";\n");
            offset += args.len();
        }
        let query = self
            .statements
            .iter()
            .flat_map(|(_, args)| args)
            .fold(sqlx::query(&sql), bind_arg);
        Ok(query.fetch_all(conn).await?)
    }
}

impl Batch<'_> {
    /// The statements in a writing transaction of their own, begun in the
    /// same command on SQLite (one hand-off to the connection's thread
    /// fewer than `begin`); the transaction is left open for
    /// [`end_transaction`]. On failure the transaction may be open: roll
    /// it back before the connection is reused, or close the connection.
    async fn run_in_transaction(mut self, conn: &mut DbConnection) -> Result<Vec<DbRow>> {
        self.statements
            .insert(0, (BEGIN_WRITE.into(), Vec::new()));
        self.run(conn).await
    }
}

/// Commits (or rolls back) the transaction [`Batch::run_in_transaction`]
/// left open.
async fn end_transaction(conn: &mut DbConnection, commit: bool) -> Result<()> {
    let sql = if commit { "COMMIT" } else { "ROLLBACK" };
    sqlx::query(sql).execute(conn).await?;
    Ok(())
}

type DbQuery<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;

fn bind_arg<'q>(query: DbQuery<'q>, arg: &Arg<'q>) -> DbQuery<'q> {
    match *arg {
        Arg::Int(v) => query.bind(v),
        Arg::OptInt(v) => query.bind(v),
        Arg::Text(v) => query.bind(v),
        Arg::OptText(v) => query.bind(v),
        Arg::Bool(v) => query.bind(v),
        Arg::Owned(ref v) => query.bind(v.clone()),
    }
}

/// One statement of data-modifying `WITH` parts and the `SELECT` after
/// them, each part written with its own `$1…`, numbered across the whole
/// statement here. PostgreSQL runs it in one round trip and atomically, as
/// a transaction of its own; every part sees the database as it was when
/// the statement began.
#[derive(Default)]
struct With<'a> {
    sql: String,
    args: Vec<Arg<'a>>,
}

impl<'a> With<'a> {
    fn part(&mut self, name: &str, sql: &str, args: Vec<Arg<'a>>) {
        self.sql
            .push_str(if self.sql.is_empty() { "WITH " } else { ",\n" });
        self.sql.push_str(name);
        self.sql.push_str(" AS (");
        shift_placeholders(sql, self.args.len(), &mut self.sql);
        self.sql.push(')');
        self.args.extend(args);
    }

    /// The statement, ending in `select`, and its arguments in order.
    fn select(mut self, select: &str, args: Vec<Arg<'a>>) -> (String, Vec<Arg<'a>>) {
        self.sql.push('\n');
        shift_placeholders(select, self.args.len(), &mut self.sql);
        self.args.extend(args);
        (self.sql, self.args)
    }
}

/// Runs a statement [`With`] made on a connection of `conns`: its rows,
/// and the first try's error when they are the second try's. A connection
/// used again without a ping that turns out lost (see
/// [`Conn::lost_unpinged`](super::conns::Conn::lost_unpinged)) is closed,
/// and the statement runs once more on a new one: the caller tells what
/// its rows then mean. A failed run closes its connection (no `done`).
async fn run_with(
    conns: &Conns<Db>,
    (sql, args): &(String, Vec<Arg<'_>>),
) -> Result<(Vec<DbRow>, Option<StorageError>)> {
    let query = || args.iter().fold(sqlx::query(sql), bind_arg);
    let mut conn = conns.get().await?;
    match query().fetch_all(&mut *conn).await {
        Ok(rows) => {
            conn.done();
            Ok((rows, None))
        }
        Err(e) if conn.lost_unpinged(&e) => {
            drop(conn);
            log::info!("a database connection was lost ({e}); running the statement again");
            let mut conn = conns.get_new().await?;
            let rows = query().fetch_all(&mut *conn).await?;
            conn.done();
            Ok((rows, Some(e.into())))
        }
        Err(e) => Err(e.into()),
    }
}
