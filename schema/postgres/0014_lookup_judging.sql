-- A traveller lookup judges the pending crossings of its own document before it answers
-- (OfficerStore::judge_document), without the analyser's global lock and without moving its watermark.
-- Those crossings are named in analysis_done like the analyser's, so that neither path judges a crossing
-- the other has judged; `by_lookup` tells them apart, because the analyser takes "everything above the
-- newest crossing it judged itself" as new: a lookup's number, higher than crossings of other documents
-- still waiting, must not count as where the analyser has got to. (The watermark may pass a lookup's
-- numbers once a sweep found nothing below them left: see sql::kAdvanceWatermark.)
ALTER TABLE analysis_done ADD COLUMN by_lookup boolean NOT NULL DEFAULT false;
