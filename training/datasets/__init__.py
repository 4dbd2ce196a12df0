"""Safety data: the row schema, the product's data catalogue, snapshots, reviewed cases, licences."""
