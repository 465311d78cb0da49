# Copies every audit log entry to an object-lock bucket (WORM) within a minute, so an
# administrator who shortens the log group's retention or deletes entries cannot erase
# the record. See README.md for how to restore from the archive.

# threatls: mitigates log-store-tampering@audit-log -- object lock in compliance mode, 400 days
resource "aws_s3_bucket" "audit_archive" {
  bucket              = "webshop-audit-archive"
  object_lock_enabled = true
}

resource "aws_s3_bucket_object_lock_configuration" "audit_archive" {
  bucket = aws_s3_bucket.audit_archive.id

  rule {
    default_retention {
      mode = "COMPLIANCE" # not even the root account can delete before the period ends
      days = 400
    }
  }
}

resource "aws_kinesis_firehose_delivery_stream" "audit_archive" {
  name        = "audit-archive"
  destination = "extended_s3"

  extended_s3_configuration {
    role_arn           = aws_iam_role.firehose_archive.arn
    bucket_arn         = aws_s3_bucket.audit_archive.arn
    buffering_interval = 60
  }
}

resource "aws_cloudwatch_log_subscription_filter" "audit_archive" {
  name            = "audit-archive"
  log_group_name  = "/webshop/audit"
  filter_pattern  = ""
  destination_arn = aws_kinesis_firehose_delivery_stream.audit_archive.arn
  role_arn        = aws_iam_role.logs_to_firehose.arn
}
