"""The example backend API: a Lambda function behind API Gateway (REST proxy events)."""
