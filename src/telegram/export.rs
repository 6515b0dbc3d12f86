//! /export for admins: the export files as documents, numbered parts when
//! one would pass Telegram's 50 MB.

use std::future::IntoFuture;
use std::path::Path;

use teloxide::prelude::*;
use teloxide::types::{ChatId, InputFile};

use super::api::{self, Api};
use super::handlers::send_html;
use super::HandlerResult;
use crate::export::bulk::{BulkLabels, MAX_PART_BYTES};
use crate::i18n::{n, s, Locale};
use crate::service::Service;

pub(super) async fn export_command<B: Api>(
    bot: &B,
    service: &Service,
    i18n: &Locale,
    chat: ChatId,
) -> HandlerResult {
    send_html(bot, chat, i18n.t("export-started")).await?;
    let dir = tempfile::tempdir()?;
    let labels = BulkLabels::new(i18n);
    let files = match service.export_to(dir.path(), &labels, MAX_PART_BYTES).await {
        Ok(files) => files,
        Err(e) => {
            log::error!("the export failed: {e}");
            send_html(bot, chat, i18n.t("export-failed")).await?;
            return Ok(());
        }
    };
    log::info!(
        "export: {} answers in {} files, {} plan items in {} files",
        files.answer_rows,
        files.answers.len(),
        files.plan_rows,
        files.plans.len()
    );
    for (paths, caption) in [
        (&files.answers, i18n.t("export-caption-answers")),
        (&files.plans, i18n.t("export-caption-plans")),
    ] {
        let parts = paths.len();
        for (i, path) in paths.iter().enumerate() {
            let caption = if parts > 1 {
                i18n.t_args(
                    "export-caption-part",
                    &[
                        s("caption", caption.clone()),
                        n("part", i as i64 + 1),
                        n("parts", parts as i64),
                    ],
                )
            } else {
                caption.clone()
            };
            send_file(bot, chat, path, &caption).await?;
        }
    }
    Ok(())
}

/// Sends a file from disk as a document; teloxide reads it as it uploads.
async fn send_file<B: Api>(bot: &B, chat: ChatId, path: &Path, caption: &str) -> HandlerResult {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    api::retrying("sendDocument", || {
        let file = InputFile::file(path.to_path_buf()).file_name(name.clone());
        bot.send_document(chat, file).caption(caption).into_future()
    })
    .await?;
    Ok(())
}
