"""The contract repository: parties, contracts and their hierarchy, effective-dated terms
versions, key dates, documents and calendar feeds."""
