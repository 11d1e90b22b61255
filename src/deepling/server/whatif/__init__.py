"""What if: previews of edited images (one forward pass each) and occlusion sensitivity."""
