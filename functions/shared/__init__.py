"""Building blocks every service uses: typed errors, the HTTP boundary, DynamoDB access."""
