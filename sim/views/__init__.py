"""What people look at: figures, the results gallery and the interactive dashboard."""
