from postgraph.cli import app

app()
