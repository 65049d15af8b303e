def test_template_tables_are_created(tables):
    import boto3
    names = boto3.client("dynamodb").list_tables()["TableNames"]
    assert sorted(names) == sorted(tables.values())
