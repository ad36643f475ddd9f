import json


def handler(event, context):
    if event.get("path") == "/health":
        return {"statusCode": 200, "body": json.dumps({"status": "ok"})}
    return {"statusCode": 404, "body": json.dumps({"message": "Not Found"})}
