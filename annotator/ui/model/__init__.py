"""The model in the loop, in the window: train in the background, its suggestions with
their scores, the most uncertain document first, the learning curve."""
