"""Following standards, and the notifications a person gets about what they follow."""
