"""The daily situation report (日报) as PDF and workbook, and the press figures (新闻发布会)."""
