"""What goes over the wire: request bodies and the views answered (camelCase JSON, optional fields
present as null). Only the HTTP edge imports this package; the use cases below it never do."""
