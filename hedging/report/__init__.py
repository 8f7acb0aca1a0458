"""Charts (plotly figures shared by the app and the PDF) and the PDF report."""
